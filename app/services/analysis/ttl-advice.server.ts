// TTL advice per tenant × touchpoint from the sandbox runs of the last 30 days (the method is
// in ttl-advice.ts). Money as exact decimal strings, like the other analysis queries.
import type pg from "pg";
import { money, toDb } from "~/core/money.ts";
import { dbPool } from "~/db/client.server.ts";
import { adviseTtl, type SandboxRun } from "./ttl-advice.ts";

export interface TtlAdviceRow {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  /** null: runs that reported no touchpoint. */
  touchpoint: string | null;
  runs: number;
  billedSeconds: number;
  activeSeconds: number;
  idleSeconds: number;
  currentTtlSeconds: number | null;
  recommendedTtlSeconds: number | null;
  sandboxCostUsd: string;
  projectedMonthlySavingUsd: string;
}

export const TTL_WINDOW_DAYS = 30;

/** Per tenant × touchpoint over the last 30 days (taken as the month the saving is projected for); biggest saving first. */
export async function getTtlAdvice(opts: { tenantId?: string; now?: Date; pool?: pg.Pool } = {}): Promise<TtlAdviceRow[]> {
  const now = opts.now ?? new Date();
  const from = new Date(now.getTime() - TTL_WINDOW_DAYS * 86_400_000);
  // Savings are valued at the tier's rate in effect now; a tier without one falls back to the
  // rate the run was billed at (its cost per billed second).
  const { rows } = await (opts.pool ?? dbPool()).query(
    `SELECT c.tenant_id, t.slug, t.name, c.touchpoint, c.billed_duration_ms AS billed, c.active_duration_ms AS active,
            c.sandbox_ttl_seconds AS ttl, c.cost_usd::text AS cost,
            coalesce(p.usd_per_second, c.cost_usd * 1000 / nullif(c.billed_duration_ms, 0), 0)::text AS rate
       FROM cost_records c JOIN tenants t ON t.id = c.tenant_id
       LEFT JOIN sandbox_prices p ON p.tier = c.tier AND p.effective_from <= $3 AND (p.effective_to IS NULL OR p.effective_to > $3)
      WHERE c.resource = 'sandbox' AND c.billed_duration_ms IS NOT NULL
        AND c.occurred_at >= $2 AND c.occurred_at < $3 AND ($1::uuid IS NULL OR c.tenant_id = $1::uuid)`,
    [opts.tenantId ?? null, from, now],
  );
  const groups = new Map<string, { head: any; runs: SandboxRun[] }>();
  for (const r of rows) {
    const key = `${r.tenant_id}\u0000${r.touchpoint ?? ""}`;
    const g = groups.get(key) ?? groups.set(key, { head: r, runs: [] }).get(key)!;
    g.runs.push({ billedMs: r.billed, activeMs: r.active, ttlSeconds: r.ttl, costUsd: money(r.cost), usdPerSecond: money(r.rate) });
  }
  const out: TtlAdviceRow[] = [...groups.values()].map(({ head, runs }) => {
    const a = adviseTtl(runs);
    return {
      tenantId: head.tenant_id,
      tenantSlug: head.slug,
      tenantName: head.name,
      touchpoint: head.touchpoint,
      runs: a.runs,
      billedSeconds: a.billedSeconds,
      activeSeconds: a.activeSeconds,
      idleSeconds: a.idleSeconds,
      currentTtlSeconds: a.currentTtlSeconds,
      recommendedTtlSeconds: a.recommendedTtlSeconds,
      sandboxCostUsd: toDb(a.sandboxCostUsd),
      projectedMonthlySavingUsd: toDb(a.savingUsd.mul(30).div(TTL_WINDOW_DAYS)),
    };
  });
  return out.sort((x, y) => money(y.projectedMonthlySavingUsd).cmp(x.projectedMonthlySavingUsd) || x.tenantSlug.localeCompare(y.tenantSlug));
}
