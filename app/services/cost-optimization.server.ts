// The cost-optimization page and the tenant page's TTL summary: the analysis's sandbox TTL
// advice (per tenant × touchpoint) with totals, and per tenant for the billed-vs-active chart.
// Money stays exact decimal text; seconds are plain numbers.
import { money, toDb } from "~/core/money.ts";
import { db, dbPool } from "~/db/client.server.ts";
import { computeTtlAdvice, type TtlAdviceRow } from "./analysis/queries.server.ts";

export interface TenantTtlTotals {
  tenantSlug: string;
  tenantName: string;
  billedSeconds: number;
  activeSeconds: number;
  idleSeconds: number;
  sandboxCostUsd: string;
  projectedMonthlySavingUsd: string;
}

export interface TtlSummary {
  rows: TtlAdviceRow[];
  totalSandboxCostUsd: string;
  totalSavingUsd: string;
  /** Biggest saving first (then name), like the rows. */
  byTenant: TenantTtlTotals[];
}

export function summarizeTtlAdvice(rows: TtlAdviceRow[]): TtlSummary {
  const tenants = new Map<string, TenantTtlTotals>();
  let cost = money(0);
  let saving = money(0);
  for (const r of rows) {
    cost = cost.add(r.sandboxCostUsd);
    saving = saving.add(r.projectedMonthlySavingUsd);
    const t = tenants.get(r.tenantSlug) ?? {
      tenantSlug: r.tenantSlug,
      tenantName: r.tenantName,
      billedSeconds: 0,
      activeSeconds: 0,
      idleSeconds: 0,
      sandboxCostUsd: "0",
      projectedMonthlySavingUsd: "0",
    };
    t.billedSeconds += r.billedSeconds;
    t.activeSeconds += r.activeSeconds;
    t.idleSeconds += r.idleSeconds;
    t.sandboxCostUsd = toDb(money(t.sandboxCostUsd).add(r.sandboxCostUsd));
    t.projectedMonthlySavingUsd = toDb(money(t.projectedMonthlySavingUsd).add(r.projectedMonthlySavingUsd));
    tenants.set(r.tenantSlug, t);
  }
  const byTenant = [...tenants.values()].sort(
    (a, b) => money(b.projectedMonthlySavingUsd).cmp(a.projectedMonthlySavingUsd) || a.tenantName.localeCompare(b.tenantName),
  );
  return { rows, totalSandboxCostUsd: toDb(cost), totalSavingUsd: toDb(saving), byTenant };
}

/** All tenants, or one by slug (unknown slug: nothing, not an error — it is a filter). */
export async function getCostOptimization(opts: { tenantSlug?: string; now?: Date } = {}): Promise<TtlSummary> {
  let tenantId: string | undefined;
  if (opts.tenantSlug) {
    const t = await db().tenant.findUnique({ where: { slug: opts.tenantSlug }, select: { id: true } });
    if (!t) return summarizeTtlAdvice([]);
    tenantId = t.id;
  }
  return summarizeTtlAdvice(await computeTtlAdvice(dbPool(), { tenantId, now: opts.now ?? new Date() }));
}

/** One tenant's advice with its totals (the tenant page). */
export async function getTenantTtlAdvice(tenantId: string, now?: Date): Promise<TtlSummary> {
  return summarizeTtlAdvice(await computeTtlAdvice(dbPool(), { tenantId, now: now ?? new Date() }));
}
