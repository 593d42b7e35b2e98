// TTL advice per tenant × touchpoint from the sandbox runs of the last 30 days: the method is
// in ttl-advice.ts, its arithmetic runs here in PostgreSQL (computeTtlAdvice). The analysis job
// computes it and stores it (ttl-advice-store.server.ts); pages read the stored rows. Money as
// exact decimal strings, like the other analysis queries.
import { money, toDb } from "~/core/money.ts";
import { COVERED_SHARE, MARGIN, MIN_TTL_SECONDS, ROUND_TO_SECONDS } from "./ttl-advice.ts";
import type { Queryable } from "./spend-series.server.ts";

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

/**
 * recommendTtl (ttl-advice.ts) as a SQL expression over milliseconds and a nullable current TTL:
 * the same double-precision operations in the same order as the JavaScript (ms / 1000 × margin
 * / 10, ceil, × 10), so both give the same integer (the test checks every millisecond up to two
 * hours); least() ignores a NULL current TTL as recommendTtl does.
 */
export function recommendedTtlSql(coveredMs: string, currentTtl: string): string {
  const step = `${ROUND_TO_SECONDS}::float8`;
  return `least(greatest(${MIN_TTL_SECONDS}::float8, ceil(((${coveredMs})::float8 / 1000::float8 * ${MARGIN}::float8) / ${step}) * ${step}), ${currentTtl})::int`;
}

// One statement, so every figure comes from one snapshot of the runs, and the runs are read
// once: `runs` is materialized (the window's sandbox runs with the rate a saved second is worth:
// the tier's rate in effect at the window's end, or the run's own rate for a tier without one),
// `groups` sums each tenant × touchpoint and finds its 95th-percentile active time
// (percentile_disc is the nearest rank: ceil(share × n) in double, as nearestRank), `advised`
// turns it into the TTL, and `savings` sums what that TTL would have cut from runs whose work
// fits it but were billed past it. Reading every run into the process instead took a third of
// a second for a tenant with 12,000 runs a month, and seconds for the whole platform.
const ADVICE = `
  WITH runs AS MATERIALIZED (
    SELECT c.tenant_id, coalesce(c.touchpoint, '') AS touchpoint, c.billed_duration_ms AS billed,
           c.active_duration_ms AS active, c.sandbox_ttl_seconds AS ttl, c.cost_usd,
           coalesce(p.usd_per_second, c.cost_usd * 1000 / nullif(c.billed_duration_ms, 0), 0) AS rate
      FROM cost_records c
      LEFT JOIN sandbox_prices p ON p.tier = c.tier AND p.effective_from <= $3 AND (p.effective_to IS NULL OR p.effective_to > $3)
     WHERE c.resource = 'sandbox' AND c.billed_duration_ms IS NOT NULL
       AND c.occurred_at >= $2 AND c.occurred_at < $3 AND ($1::uuid IS NULL OR c.tenant_id = $1::uuid)
  ), groups AS (
    SELECT tenant_id, touchpoint, count(*)::int AS runs, sum(billed) AS billed_ms, coalesce(sum(active), 0) AS active_ms,
           coalesce(sum(greatest(0, billed - active)) FILTER (WHERE active IS NOT NULL), 0) AS idle_ms,
           max(ttl) AS current_ttl, sum(cost_usd) AS cost,
           percentile_disc(${COVERED_SHARE}) WITHIN GROUP (ORDER BY active) AS covered_ms
      FROM runs GROUP BY tenant_id, touchpoint
  ), advised AS (
    SELECT g.*, CASE WHEN covered_ms IS NOT NULL THEN ${recommendedTtlSql("covered_ms", "current_ttl")} END AS ttl
      FROM groups g
  ), savings AS (
    SELECT r.tenant_id, r.touchpoint, sum(r.rate * (r.billed - a.ttl * 1000::bigint) / 1000) AS saving
      FROM runs r JOIN advised a ON a.tenant_id = r.tenant_id AND a.touchpoint = r.touchpoint
     WHERE r.active <= a.ttl * 1000::bigint AND r.billed > a.ttl * 1000::bigint
     GROUP BY r.tenant_id, r.touchpoint
  )
  SELECT a.tenant_id, t.slug, t.name, a.touchpoint, a.runs, a.billed_ms::text, a.active_ms::text, a.idle_ms::text,
         a.current_ttl, a.ttl, a.cost::text, coalesce(s.saving, 0)::text AS saving
    FROM advised a JOIN tenants t ON t.id = a.tenant_id
    LEFT JOIN savings s ON s.tenant_id = a.tenant_id AND s.touchpoint = a.touchpoint
   ORDER BY coalesce(s.saving, 0) DESC, t.slug COLLATE "C", a.touchpoint COLLATE "C"`;

/**
 * Per tenant × touchpoint over the 30 days before `now` (taken as the month the saving is
 * projected for); biggest saving first, then tenant slug and touchpoint. The method is
 * adviseTtl's (ttl-advice.ts); the tests cross-check the two on random runs.
 */
export async function computeTtlAdvice(q: Queryable, opts: { tenantId?: string; now: Date }): Promise<TtlAdviceRow[]> {
  const { rows } = await q.query(ADVICE, [opts.tenantId ?? null, ttlWindow(opts.now).from, opts.now]);
  return rows.map((g) => ({
    tenantId: g.tenant_id,
    tenantSlug: g.slug,
    tenantName: g.name,
    touchpoint: g.touchpoint === "" ? null : g.touchpoint,
    runs: g.runs,
    billedSeconds: Number(g.billed_ms) / 1000,
    activeSeconds: Number(g.active_ms) / 1000,
    idleSeconds: Number(g.idle_ms) / 1000,
    currentTtlSeconds: g.current_ttl,
    recommendedTtlSeconds: g.ttl,
    sandboxCostUsd: toDb(money(g.cost)),
    projectedMonthlySavingUsd: toDb(money(g.saving).mul(30).div(TTL_WINDOW_DAYS)),
  }));
}

/** The sandbox runs advice at `now` is computed from: [now − 30 days, now). */
export function ttlWindow(now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - TTL_WINDOW_DAYS * 86_400_000), to: now };
}
