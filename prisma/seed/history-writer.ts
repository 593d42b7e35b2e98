// Writes generated history the way the enforcement core would have left it: for touchpoints
// that reserve before calling, a settled reservation (estimate >= actual) linked from the cost
// record; for the record-after-the-fact touchpoint, a bare cost record.
import { randomUUID } from "node:crypto";
import { bulkInsert, inChunks, jsonRows, type Column, type Sql } from "./bulk.ts";
import type { GeneratedCost } from "./history.ts";
import type { GeneratedSandboxError } from "./sandbox-errors.ts";

/** Default hold TTL of the core (RESERVATION_TTL_SECONDS); sandbox holds ask for their run time. */
const HOLD_TTL_MS = 900_000;

const SOURCE: readonly Column[] = [
  ["tenant_id", "uuid"], ["user_id", "text"], ["conversation_id", "text"], ["task_id", "text"], ["touchpoint", "text"],
  ["resource", '"ResourceType"'], ["provider", "text"], ["model", "text"], ["input_tokens", "int"],
  ["output_tokens", "int"], ["cached_input_tokens", "int"], ["tier", "text"], ["billed_duration_ms", "int"],
  ["active_duration_ms", "int"], ["sandbox_ttl_seconds", "int"], ["cost_usd", "numeric"],
  ["estimated_cost_usd", "numeric"], ["llm_price_id", "uuid"], ["sandbox_price_id", "uuid"],
  ["reservation_id", "uuid"], ["idempotency_key", "text"], ["occurred_at", "timestamptz"],
  // reservation-only fields
  ["started_at", "timestamptz"], ["expires_at", "timestamptz"], ["max_output_tokens", "int"], ["expected_seconds", "int"],
];

const COST_COLUMNS = SOURCE.slice(0, 22).map(([n]) => n).join(", ");

// One statement per chunk writes both tables: the rows are parsed once, and the cost records'
// foreign keys to the reservations are checked at the end of the statement, when both exist.
const STATEMENT = `
  WITH src AS MATERIALIZED (${jsonRows(SOURCE)}),
  held AS (
    INSERT INTO reservations (id, tenant_id, user_id, resource, idempotency_key, request_hash, estimate_usd,
                              usage_ids, status, expires_at, touchpoint, conversation_id, task_id, provider, model,
                              tier, input_tokens, max_output_tokens, expected_seconds, created_at, finished_at)
    SELECT reservation_id, tenant_id, user_id, resource, idempotency_key,
           encode(sha256(convert_to(idempotency_key, 'UTF8')), 'hex'), estimated_cost_usd,
           '{}', -- usage_ids: the QuotaUsage rows of past periods are not materialised by the seed
           'settled', expires_at, touchpoint, conversation_id, task_id, provider, model,
           tier, input_tokens, max_output_tokens, expected_seconds, started_at, occurred_at
      FROM src WHERE reservation_id IS NOT NULL
  )
  INSERT INTO cost_records (${COST_COLUMNS}, created_at)
  SELECT ${COST_COLUMNS}, occurred_at FROM src`;

const iso = (ms: number) => new Date(ms).toISOString();

export async function writeCostHistory(
  sql: Sql,
  costs: readonly GeneratedCost[],
  tenantIds: Map<string, string>,
): Promise<{ reservations: number; costRecords: number }> {
  let reservations = 0;
  const rows = costs.map((c) => {
    const r = c.reservation;
    if (r) reservations++;
    const holdMs = Math.max(HOLD_TTL_MS, (r?.expectedSeconds ?? 0) * 1000 + 60_000);
    return [
      tenantIds.get(c.tenant), c.userId, c.conversationId, c.taskId, c.touchpoint, c.resource, c.provider, c.model,
      c.inputTokens, c.outputTokens, c.cachedInputTokens, c.tier, c.billedDurationMs, c.activeDurationMs,
      c.sandboxTtlSeconds, c.costUsd, r?.estimateUsd ?? null, c.llmPriceId, c.sandboxPriceId,
      r ? randomUUID() : null, c.idempotencyKey, iso(c.occurredAt),
      iso(c.startedAt), iso(c.startedAt + holdMs), r?.maxOutputTokens ?? null, r?.expectedSeconds ?? null,
    ];
  });
  const costRecords = await inChunks(sql, STATEMENT, rows);
  return { reservations, costRecords };
}

export async function writeSandboxErrors(
  sql: Sql,
  errors: readonly GeneratedSandboxError[],
  tenantIds: Map<string, string>,
): Promise<number> {
  return bulkInsert(
    sql,
    "sandbox_error_events",
    [["tenant_id", "uuid"], ["sandbox_id", "text"], ["touchpoint", "text"], ["operation", "text"],
     ["stage", '"SandboxStage"'], ["error_type", "text"], ["message", "text"], ["occurred_at", "timestamptz"]],
    errors.map((e) => [tenantIds.get(e.tenant), e.sandboxId, e.touchpoint, e.operation, e.stage, e.errorType, e.message, iso(e.occurredAt)]),
  );
}
