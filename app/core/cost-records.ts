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

// $1..$4 usage deltas; $5..$17 rollup increments (pre-aggregated per key); $18 reservations to
// mark settled; $19.. one array per cost-record column.
const SQL = `
WITH usage AS (${WRITE_USAGE_CTE} RETURNING 1),
rollup AS (
  INSERT INTO spend_rollups AS s (day, tenant_id, user_id, resource, provider, model, touchpoint,
                                  cost_usd, input_tokens, output_tokens, billed_ms, active_ms, records)
  SELECT * FROM unnest(${ROLLUP_TYPES.map((t, i) => `$${5 + i}::${t}[]`).join(", ")})
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
  UPDATE reservations SET status = 'settled', finished_at = now() WHERE id = ANY($18::uuid[]) RETURNING 1
)
INSERT INTO cost_records (${FIELD_TYPES.map(([f]) => column(f)).join(", ")})
SELECT * FROM unnest(${FIELD_TYPES.map(([, t], i) => `$${19 + i}::${t}[]`).join(", ")})
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
  const rows = [...byKey.values()].map((r) => r.map((v, i) => (i === 7 ? toDb(v as Money) : v)));
  return ROLLUP_TYPES.map((_, i) => rows.map((r) => r[i]));
}

/**
 * Writes ledger entries, their rollups and usage-row totals, and marks reservations settled, in
 * one statement. Returns the new CostRecord ids (BIGINT, as strings) in entry order.
 */
export async function writeCostEntries(q: Queryable, entries: CostEntry[], deltas: UsageDelta[], settleReservationIds: string[]) {
  const columns = FIELD_TYPES.map(([f]) =>
    entries.map((e) => {
      const v = e[f];
      return f === "costUsd" || f === "estimatedCostUsd" ? (v == null ? null : toDb(v as Money)) : v;
    }),
  );
  const { rows } = await q.query({
    name: "tollgate_write_costs",
    text: SQL,
    values: [...usageParams(deltas), ...rollupParams(entries), settleReservationIds, ...columns],
  });
  return rows.map((r: { id: string }) => r.id);
}

/** Writes one entry; returns the new CostRecord id. */
export async function writeCostEntry(q: Queryable, entry: CostEntry, deltas: UsageDelta[], settleReservationId: string | null) {
  const [id] = await writeCostEntries(q, [entry], deltas, settleReservationId ? [settleReservationId] : []);
  return id;
}
