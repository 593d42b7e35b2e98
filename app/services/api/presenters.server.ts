// Decision values → the JSON bodies of SPEC §5 (money as numbers rounded to 6 decimals).
import { toJson, type QuotaStatus, type RecordDecision, type ReserveDecision, type SettleResult, type Warning } from "~/core/index.ts";

type Allowed<T> = Extract<T, { allowed: true }>;

const warnings = (ws: Warning[]) => ws;

export function reservationBody(d: Allowed<ReserveDecision>) {
  return {
    reservationId: d.reservationId,
    status: "held" as const,
    estimatedCostUsd: toJson(d.estimatedCostUsd),
    expiresAt: d.expiresAt.toISOString(),
    warnings: warnings(d.warnings),
  };
}

export function settleBodyOf(r: SettleResult) {
  return {
    reservationId: r.reservationId,
    status: r.status,
    costRecordId: r.costRecordId,
    actualCostUsd: toJson(r.actualCostUsd),
    estimatedCostUsd: toJson(r.estimatedCostUsd),
    late: r.late,
    warnings: warnings(r.warnings),
  };
}

export function usageBodyOf(d: Allowed<RecordDecision>) {
  return { costRecordId: d.costRecordId, costUsd: toJson(d.costUsd), warnings: warnings(d.warnings) };
}

export function quotaStatusBody(q: QuotaStatus) {
  return {
    quotaId: q.quotaId,
    scope: q.scope,
    scopeId: q.scopeId,
    resourceType: q.resourceType,
    period: q.period,
    limitUsd: toJson(q.limitUsd),
    spentUsd: toJson(q.spentUsd),
    reservedUsd: toJson(q.reservedUsd),
    remainingUsd: toJson(q.remainingUsd),
    utilizationPercent: q.utilizationPercent,
    resetsAt: q.resetsAt.toISOString(),
    enforcement: q.enforcement,
  };
}
