// Metering in the OpenAPI document: reserve, settle, release, one-shot usage, quota status and
// spend. Request bodies and queries are the zod schemas that validate them (app/schemas/api.ts).
import { z } from "zod";
import * as api from "~/schemas/api.ts";
import { period, quotaResource, scope, time, usd, type Endpoint } from "./shapes.ts";

export const METERING = "Metering";

const Warning = z.strictObject({
  code: z.enum(["threshold_reached", "soft_limit_exceeded", "enforcement_disabled", "late_settle", "over_estimate", "spooled"]),
  message: z.string(),
  quotaId: z.string().optional(),
  scope: scope.optional(),
  scopeId: z.string().nullable().optional(),
  thresholdPercent: z.number().optional(),
  utilizationPercent: z.number().optional(),
});
const Reservation = z.strictObject({
  reservationId: z.string(),
  status: z.literal("held"),
  estimatedCostUsd: usd,
  expiresAt: time,
  warnings: z.array(Warning),
});
const SettleResult = z.strictObject({
  reservationId: z.string(),
  status: z.literal("settled"),
  costRecordId: z.string(),
  actualCostUsd: usd,
  estimatedCostUsd: usd,
  late: z.boolean().describe("Settled after the hold expired (the cost is still recorded)"),
  warnings: z.array(Warning),
});
const ReleaseResult = z.strictObject({ reservationId: z.string(), status: z.enum(["released", "expired"]) });
const UsageResult = z.strictObject({ costRecordId: z.string(), costUsd: usd, warnings: z.array(Warning) });
const QuotaStatus = z.strictObject({
  quotaId: z.string(),
  scope,
  scopeId: z.string().nullable(),
  resourceType: quotaResource,
  period,
  limitUsd: usd,
  spentUsd: usd,
  reservedUsd: usd,
  remainingUsd: usd,
  utilizationPercent: z.number(),
  resetsAt: time,
  enforcement: z.enum(["hard", "soft"]),
});
const QuotaStatusList = z.strictObject({ quotas: z.array(QuotaStatus) });
const SpendReport = z.strictObject({
  tenantId: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  groupBy: z.enum(["day", "model", "user", "touchpoint", "resource"]),
  rows: z.array(
    z.strictObject({
      key: z.string().nullable().describe("Day (YYYY-MM-DD), provider/model, user id, touchpoint or resource; null = not reported"),
      costUsd: usd,
      records: z.number().int(),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
    }),
  ),
  totalUsd: usd,
});

export const meteringResponses = { Warning, Reservation, SettleResult, ReleaseResult, UsageResult, QuotaStatus, QuotaStatusList, SpendReport };
export const meteringRequests = { ReserveRequest: api.reserveBody, SettleRequest: api.settleBody, UsageRequest: api.usageBody };

const ONE_ESTIMATE = "Give exactly one way of stating the amount: provider + model + inputTokens + maxOutputTokens (llm), tier + expectedSeconds (sandbox), or estimatedCostUsd.";

export const meteringEndpoints: Endpoint<keyof typeof meteringResponses, keyof typeof meteringRequests>[] = [
  {
    method: "post", path: "/api/v1/reservations", tag: METERING, auth: "key", body: "ReserveRequest",
    summary: "Reserve an estimated cost against every applicable quota",
    description: `${ONE_ESTIMATE} Over a hard limit: 429 (as an SSE stream when Accept: text/event-stream). The same idempotencyKey returns the original hold (200); with a different body, 409.`,
    ok: [[201, "Reservation", "Held"], [200, "Reservation", "Replay of an earlier request with this idempotency key"]],
    errors: [404, 409, 429, 503],
  },
  {
    method: "post", path: "/api/v1/reservations/{id}/settle", tag: METERING, auth: "key", body: "SettleRequest",
    summary: "Settle a reservation with the actual usage",
    description: "Give inputTokens + outputTokens (llm), durationMs (sandbox) or actualCostUsd. Settling twice returns the first result; a released reservation is 409.",
    ok: [[200, "SettleResult", "Settled (or the earlier settlement)"]],
    errors: [404, 409, 503],
  },
  {
    method: "post", path: "/api/v1/reservations/{id}/release", tag: METERING, auth: "key",
    summary: "Release a reservation without cost", ok: [[200, "ReleaseResult", "Released (or already expired)"]], errors: [404, 409, 503],
  },
  {
    method: "post", path: "/api/v1/usage", tag: METERING, auth: "key", body: "UsageRequest",
    summary: "Record a cost known only after the fact (one-shot check and record)",
    description: "Give provider + model + inputTokens + outputTokens, tier + durationMs, or actualCostUsd. occurredAt (backfill; platform keys only, not in the future, at most 400 days back) prices and counts the cost at that time and is never denied.",
    ok: [[201, "UsageResult", "Recorded"], [200, "UsageResult", "Replay of an earlier request with this idempotency key"]],
    errors: [404, 409, 429, 503],
  },
  {
    method: "get", path: "/api/v1/quota-status", tag: METERING, auth: "key", query: api.quotaStatusQuery,
    summary: "The quotas that apply to a tenant (and user) in their current periods", ok: [[200, "QuotaStatusList", "Quota states"]], errors: [400, 404, 503],
  },
  {
    method: "get", path: "/api/v1/tenants/{tenantId}/spend", tag: METERING, auth: "key", query: api.spendQuery,
    summary: "A tenant's spend, grouped", ok: [[200, "SpendReport", "Spend rows (from the daily rollups)"]], errors: [400, 404],
  },
];
