// Writing one ledger entry: the usage-row totals, the CostRecord and its SpendRollup, and
// (for settles) the reservation's new status — one statement, inside the caller's transaction.
import type { Queryable } from "./db.ts";
import { Money, toDb } from "./money.ts";
import type { Resource } from "./types.ts";
import { usageParams, WRITE_USAGE_CTE, type UsageDelta } from "./usage-rows.ts";

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

// Column types for the unnest() arrays, one per CostEntry field, in insert order.
const FIELD_TYPES: [keyof CostEntry, string][] = [
  ["tenantId", "uuid"], ["userId", "text"], ["conversationId", "text"], ["taskId", "text"], ["touchpoint", "text"],
  ["resource", '"ResourceType"'], ["provider", "text"], ["model", "text"], ["inputTokens", "int"], ["outputTokens", "int"],
  ["cachedInputTokens", "int"], ["tier", "text"], ["billedDurationMs", "int"], ["activeDurationMs", "int"],
  ["sandboxTtlSeconds", "int"], ["costUsd", "numeric"], ["estimatedCostUsd", "numeric"], ["llmPriceId", "uuid"],
  ["sandboxPriceId", "uuid"], ["reservationId", "uuid"], ["idempotencyKey", "text"], ["requestHash", "text"],
  ["late", "boolean"], ["backfill", "boolean"], ["occurredAt", "timestamptz"],
];
const column = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const ROLLUP_TYPES = ["date", "uuid", "text", '"ResourceType"', "text", "text", "text", "numeric", "bigint", "bigint", "bigint", "bigint", "int"];

/** Parameters the cost-entry part of a write takes: 13 rollup arrays, the settled ids, 25 columns. */
export const COST_PARAM_COUNT = ROLLUP_TYPES.length + 1 + FIELD_TYPES.length;

/**
 * The cost-entry part of a ledger write, its parameters numbered from $first: CTEs `rollup`
 * (pre-aggregated SpendRollup increments) and `settled` (reservations marked settled, RETURNING
 * id), and the bare `INSERT INTO cost_records …` for the caller to finish (RETURNING, or wrap
 * in a CTE). Follows WRITE_USAGE_CTE's $1..$4 in every statement that uses it.
 */
export function costWriteSql(first: number) {
  const settledParam = first + ROLLUP_TYPES.length;
  const columnsFirst = settledParam + 1;
  return {
    ctes: `rollup AS (
  INSERT INTO spend_rollups AS s (day, tenant_id, user_id, resource, provider, model, touchpoint,
                                  cost_usd, input_tokens, output_tokens, billed_ms, active_ms, records)
  SELECT * FROM unnest(${ROLLUP_TYPES.map((t, i) => `$${first + i}::${t}[]`).join(", ")})
  ON CONFLICT (day, tenant_id, user_id, resource, provider, model, touchpoint) DO UPDATE SET
    cost_usd = s.cost_usd + EXCLUDED.cost_usd,
    input_tokens = s.input_tokens + EXCLUDED.input_tokens,
    output_tokens = s.output_tokens + EXCLUDED.output_tokens,
    billed_ms = s.billed_ms + EXCLUDED.billed_ms,
    active_ms = s.active_ms + EXCLUDED.active_ms,
    records = s.records + EXCLUDED.records
  RETURNING 1
),
settled AS (
  UPDATE reservations SET status = 'settled', finished_at = now() WHERE id = ANY($${settledParam}::uuid[]) RETURNING id
)`,
    insert: `INSERT INTO cost_records (${FIELD_TYPES.map(([f]) => column(f)).join(", ")})
SELECT * FROM unnest(${FIELD_TYPES.map(([, t], i) => `$${columnsFirst + i}::${t}[]`).join(", ")})`,
  };
}

const PARTS = costWriteSql(5);
const SQL = `
WITH usage AS (${WRITE_USAGE_CTE} RETURNING 1),
${PARTS.ctes}
${PARTS.insert}
RETURNING id::text AS id`;

/** One rollup increment per (day, tenant, user, resource, provider, model, touchpoint) key. */
function rollupParams(entries: CostEntry[]): unknown[][] {
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
  return ROLLUP_TYPES.map((_, i) => rows.map((r) => r[i]));
}

/** The COST_PARAM_COUNT values of costWriteSql's part, in order. */
export function costWriteParams(entries: CostEntry[], settleReservationIds: string[]): unknown[] {
  const columns = FIELD_TYPES.map(([f]) =>
    entries.map((e) => {
      const v = e[f];
      return f === "costUsd" || f === "estimatedCostUsd" ? (v == null ? null : toDb(v as Money)) : v;
    }),
  );
  return [...rollupParams(entries), settleReservationIds, ...columns];
}

/**
 * Writes ledger entries, their rollups and usage-row totals, and marks reservations settled, in
 * one statement. Returns the new CostRecord ids (BIGINT, as strings) in entry order.
 */
export async function writeCostEntries(q: Queryable, entries: CostEntry[], deltas: UsageDelta[], settleReservationIds: string[]) {
  const { rows } = await q.query({
    name: "tollgate_write_costs",
    text: SQL,
    values: [...usageParams(deltas), ...costWriteParams(entries, settleReservationIds)],
  });
  return rows.map((r: { id: string }) => r.id);
}

/** Writes one entry; returns the new CostRecord id. */
export async function writeCostEntry(q: Queryable, entry: CostEntry, deltas: UsageDelta[], settleReservationId: string | null) {
  const [id] = await writeCostEntries(q, [entry], deltas, settleReservationId ? [settleReservationId] : []);
  return id;
}
