// The cost-optimization page and the tenant page's TTL summary: the sandbox TTL advice the
// analysis job stored (per tenant × touchpoint) with totals, and per tenant for the
// billed-vs-active chart. Money stays exact decimal text; seconds are plain numbers.
import { money, toDb, type Money } from "~/core/money.ts";
import { readPool } from "~/db/client.server.ts";
import { getConfig } from "./config.server.ts";
import { listTtlAdvice, type StoredTtlAdvice, type TtlAdviceRow } from "./analysis/queries.server.ts";

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
  /** When the job computed the advice and the runs it covers; null: not computed yet. */
  computed: StoredTtlAdvice["computed"];
  rows: TtlAdviceRow[];
  totalSandboxCostUsd: string;
  totalSavingUsd: string;
  /** Biggest saving first (then name), like the rows. */
  byTenant: TenantTtlTotals[];
}

export interface TtlAdviceView extends TtlSummary {
  /** How often the analysis refreshes the advice (ANALYSIS_INTERVAL_HOURS; 0: not scheduled). */
  refreshEveryHours: number;
}

export function summarizeTtlAdvice({ computed, rows }: StoredTtlAdvice): TtlSummary {
  // Sums stay Decimal until the end: parsing and printing a running total per row was most of
  // this function's time at thousands of rows.
  const tenants = new Map<string, Omit<TenantTtlTotals, "sandboxCostUsd" | "projectedMonthlySavingUsd"> & { cost: Money; saving: Money }>();
  let cost = money(0);
  let saving = money(0);
  for (const r of rows) {
    const rowCost = money(r.sandboxCostUsd);
    const rowSaving = money(r.projectedMonthlySavingUsd);
    cost = cost.add(rowCost);
    saving = saving.add(rowSaving);
    let t = tenants.get(r.tenantSlug);
    if (!t) {
      t = { tenantSlug: r.tenantSlug, tenantName: r.tenantName, billedSeconds: 0, activeSeconds: 0, idleSeconds: 0, cost: money(0), saving: money(0) };
      tenants.set(r.tenantSlug, t);
    }
    t.billedSeconds += r.billedSeconds;
    t.activeSeconds += r.activeSeconds;
    t.idleSeconds += r.idleSeconds;
    t.cost = t.cost.add(rowCost);
    t.saving = t.saving.add(rowSaving);
  }
  const byTenant = [...tenants.values()]
    .sort((a, b) => b.saving.cmp(a.saving) || a.tenantName.localeCompare(b.tenantName))
    .map(({ cost, saving, ...t }) => ({ ...t, sandboxCostUsd: toDb(cost), projectedMonthlySavingUsd: toDb(saving) }));
  return { computed, rows, totalSandboxCostUsd: toDb(cost), totalSavingUsd: toDb(saving), byTenant };
}

/**
 * All tenants, or one by slug (unknown slug: no rows, not an error — it is a filter; `computed`
 * still says when the advice was computed).
 */
export async function getCostOptimization(opts: { tenantSlug?: string } = {}): Promise<TtlAdviceView> {
  return withSchedule(summarizeTtlAdvice(await listTtlAdvice({ tenantSlug: opts.tenantSlug, pool: readPool() })));
}

/** One tenant's advice with its totals (the tenant page), read as that tenant. */
export async function getTenantTtlAdvice(tenantId: string): Promise<TtlAdviceView> {
  return withSchedule(summarizeTtlAdvice(await listTtlAdvice({ tenantId, pool: readPool() })));
}

const withSchedule = (s: TtlSummary): TtlAdviceView => ({ ...s, refreshEveryHours: getConfig().ANALYSIS_INTERVAL_HOURS });
