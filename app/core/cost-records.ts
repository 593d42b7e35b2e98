// Ledger entries: a CostRecord, its SpendRollup increment and (for settles) the reservation's
// new status are written with the usage-row totals in one statement (statements.ts WRITE_COSTS),
// inside the caller's transaction.
import type { Queryable } from "./db.ts";
import { Money, toDb } from "./money.ts";
import type { Resource } from "./types.ts";
import { leaseValues, type LeaseWrites } from "./leases.ts";
import { run } from "./sql.ts";
import { COST_FIELDS, ROLLUP_FIELDS, WRITE_COSTS } from "./statements.ts";
import { usageValues, type UsageDelta } from "./usage-rows.ts";

export interface CostEntry {
  tenantId: string;
  userId: string | null;
  conversationId: string | null;
  taskId: string | null;
  touchpoint: string | null;
  resource: Resource;
  provider: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  tier: string | null;
  billedDurationMs: number | null;
  activeDurationMs: number | null;
  sandboxTtlSeconds: number | null;
  costUsd: Money;
  estimatedCostUsd: Money | null;
  llmPriceId: string | null;
  sandboxPriceId: string | null;
  reservationId: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  late: boolean;
  backfill: boolean;
  occurredAt: Date;
}

const NO_LEASE_WRITES: LeaseWrites = { updates: [], grants: [] };

/** One rollup increment per (day, tenant, user, resource, provider, model, touchpoint) key. */
function rollupValues(entries: CostEntry[]): Record<string, unknown> {
  const byKey = new Map<string, unknown[]>();
  for (const e of entries) {
    const dims = [e.occurredAt.toISOString().slice(0, 10), e.tenantId, e.userId ?? "", e.resource, e.provider ?? "", e.model ?? "", e.touchpoint ?? ""];
    const k = JSON.stringify(dims);
    const row = byKey.get(k) ?? [...dims, new Money(0), 0, 0, 0, 0, 0];
    row[7] = (row[7] as Money).add(e.costUsd);
    row[8] = (row[8] as number) + (e.inputTokens ?? 0);
    row[9] = (row[9] as number) + (e.outputTokens ?? 0);
    row[10] = (row[10] as number) + (e.billedDurationMs ?? 0);
    row[11] = (row[11] as number) + (e.activeDurationMs ?? 0);
    row[12] = (row[12] as number) + 1;
    byKey.set(k, row);
  }
  // Sorted by key: transactions that upsert the same rollup rows take their locks in one order.
  const rows = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r.map((v, i) => (i === 7 ? toDb(v as Money) : v)));
  return Object.fromEntries(ROLLUP_FIELDS.map(([c], i) => [`rollup_${c}`, rows.map((r) => r[i])]));
}

const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The cost-record, rollup and settled-reservation parameters of WRITE_COSTS and BATCH_WRITE. */
export function costValues(entries: CostEntry[], settleReservationIds: string[]): Record<string, unknown> {
  const v = rollupValues(entries);
  for (const [f] of COST_FIELDS) {
    v[`cost_${snake(f)}`] = entries.map((e) => {
      const x = e[f];
      return f === "costUsd" || f === "estimatedCostUsd" ? (x == null ? null : toDb(x as Money)) : x;
    });
  }
  v.settle_ids = settleReservationIds;
  return v;
}

/**
 * Writes ledger entries, their rollups and usage-row totals, and marks reservations settled, in
 * one statement. Returns the new CostRecord ids (BIGINT, as strings) in entry order.
 */
export async function writeCostEntries(q: Queryable, entries: CostEntry[], deltas: UsageDelta[], settleReservationIds: string[], leases: LeaseWrites = NO_LEASE_WRITES) {
  const { rows } = await run(q, WRITE_COSTS, { ...usageValues(deltas), ...leaseValues(leases), ...costValues(entries, settleReservationIds) });
  return rows.map((r: { id: string }) => r.id);
}

/** Writes one entry; returns the new CostRecord id. */
export async function writeCostEntry(q: Queryable, entry: CostEntry, deltas: UsageDelta[], settleReservationId: string | null, leases: LeaseWrites = NO_LEASE_WRITES) {
  const [id] = await writeCostEntries(q, [entry], deltas, settleReservationId ? [settleReservationId] : [], leases);
  return id;
}
