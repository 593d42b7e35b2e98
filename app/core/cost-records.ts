// Writing one ledger entry: the usage-row totals, the CostRecord and its SpendRollup, and
// (for settles) the reservation's new status — one statement, inside the caller's transaction.
import type { Queryable } from "./db.ts";
import { toDb, type Money } from "./money.ts";
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

const FIELDS: (keyof CostEntry)[] = [
  "tenantId", "userId", "conversationId", "taskId", "touchpoint", "resource", "provider", "model",
  "inputTokens", "outputTokens", "cachedInputTokens", "tier", "billedDurationMs", "activeDurationMs",
  "sandboxTtlSeconds", "costUsd", "estimatedCostUsd", "llmPriceId", "sandboxPriceId", "reservationId",
  "idempotencyKey", "requestHash", "late", "backfill", "occurredAt",
];
const COLUMNS = FIELDS.map((f) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

// Parameters: $1..$4 usage deltas, $5..$29 the cost record, $30 reservation to mark settled.
const p = (f: keyof CostEntry) => `$${5 + FIELDS.indexOf(f)}`;
const SQL = `
WITH usage AS (${WRITE_USAGE_CTE} RETURNING 1),
record AS (
  INSERT INTO cost_records (${COLUMNS.join(", ")})
  VALUES (${FIELDS.map((f) => (f === "resource" ? `${p(f)}::"ResourceType"` : p(f))).join(", ")})
  RETURNING id
),
rollup AS (
  INSERT INTO spend_rollups AS s (day, tenant_id, user_id, resource, provider, model, touchpoint,
                                  cost_usd, input_tokens, output_tokens, billed_ms, active_ms, records)
  VALUES ((${p("occurredAt")}::timestamptz AT TIME ZONE 'UTC')::date, ${p("tenantId")}::uuid,
          coalesce(${p("userId")}::text, ''), ${p("resource")}::"ResourceType", coalesce(${p("provider")}::text, ''),
          coalesce(${p("model")}::text, ''), coalesce(${p("touchpoint")}::text, ''), ${p("costUsd")}::numeric,
          coalesce(${p("inputTokens")}::int, 0), coalesce(${p("outputTokens")}::int, 0),
          coalesce(${p("billedDurationMs")}::int, 0), coalesce(${p("activeDurationMs")}::int, 0), 1)
  ON CONFLICT (day, tenant_id, user_id, resource, provider, model, touchpoint) DO UPDATE SET
    cost_usd = s.cost_usd + EXCLUDED.cost_usd,
    input_tokens = s.input_tokens + EXCLUDED.input_tokens,
    output_tokens = s.output_tokens + EXCLUDED.output_tokens,
    billed_ms = s.billed_ms + EXCLUDED.billed_ms,
    active_ms = s.active_ms + EXCLUDED.active_ms,
    records = s.records + 1
  RETURNING 1
),
settled AS (
  UPDATE reservations SET status = 'settled', finished_at = now() WHERE id = $30::uuid RETURNING 1
)
SELECT id::text AS id FROM record`;

/** Writes the entry; returns the new CostRecord id (as a string: it is a BIGINT). */
export async function writeCostEntry(q: Queryable, entry: CostEntry, deltas: UsageDelta[], settleReservationId: string | null) {
  const values = FIELDS.map((f) => {
    const v = entry[f];
    return f === "costUsd" || f === "estimatedCostUsd" ? (v == null ? null : toDb(v as Money)) : v;
  });
  const { rows } = await q.query(SQL, [...usageParams(deltas), ...values, settleReservationId]);
  return rows[0].id as string;
}
