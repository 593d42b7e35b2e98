// The contract of the enforcement core: requests, decisions, hooks and typed errors.
// Normal "no" answers (over quota) are decision values; errors are for bad input and faults.
import type { Money } from "./money.ts";

export type Resource = "llm" | "sandbox";
export type QuotaResource = Resource | "all";
/** `each_user`: a default cap applying to every end user separately (ADR 0016); decisions name the user as its scopeId. */
export type Scope = "platform" | "tenant" | "user" | "each_user";
export type Period = "day" | "week" | "month";
export type Enforcement = "hard" | "soft";

/** Who spent, and where in the product. */
export interface Attribution {
  tenantId: string;
  /** The product's own end-user id (not a control-panel user); enables user-scope quotas. */
  userId?: string | null;
  touchpoint?: string | null;
  conversationId?: string | null;
  taskId?: string | null;
}

/** What a call will cost: LLM tokens, sandbox seconds, or an explicit amount. */
export type EstimateInput =
  | { resource: "llm"; provider: string; model: string; inputTokens: number; maxOutputTokens: number }
  | { resource: "sandbox"; tier: string; expectedSeconds: number }
  | { resource: Resource; estimatedCostUsd: string | number };

export type ReserveRequest = Attribution &
  EstimateInput & {
    idempotencyKey: string;
    /** Hold lifetime; default from options, at most 24 h. */
    ttlSeconds?: number;
  };

/** What actually happened: tokens (priced as the reservation's model), sandbox time, or an amount. */
export type ActualUsage =
  | { inputTokens: number; outputTokens: number; cachedInputTokens?: number }
  | { durationMs: number; activeDurationMs?: number; sandboxTtlSeconds?: number }
  | { actualCostUsd: string | number };

export type RecordRequest = Attribution & {
  idempotencyKey: string;
  /** Usage time for backfills (platform callers only); priced and counted at that time, never denied. */
  occurredAt?: Date;
} & (
    | { resource: "llm"; provider: string; model: string; inputTokens: number; outputTokens: number; cachedInputTokens?: number }
    | { resource: "sandbox"; tier: string; durationMs: number; activeDurationMs?: number; sandboxTtlSeconds?: number }
    | { resource: Resource; actualCostUsd: string | number; provider?: string; model?: string; tier?: string }
  );

/** The state of one quota for one period, as decisions and quota-status report it. */
export interface QuotaState {
  quotaId: string;
  scope: Scope;
  scopeId: string | null;
  resourceType: QuotaResource;
  period: Period;
  periodStart: Date;
  resetsAt: Date;
  limitUsd: Money;
  spentUsd: Money;
  reservedUsd: Money;
  enforcement: Enforcement;
}

/** The quota that said no, in the shape of SPEC §5's quotaDetails. */
export interface QuotaDenial {
  quotaId: string;
  scope: Scope;
  scopeId: string | null;
  resourceType: QuotaResource;
  period: Period;
  limitUsd: Money;
  /** spent + reserved before this request. */
  currentSpendUsd: Money;
  estimatedCostUsd: Money;
  remainingUsd: Money;
  utilizationPercent: number;
  resetsAt: Date;
  retryAfterSeconds: number;
}

export type WarningCode =
  | "threshold_reached"
  | "soft_limit_exceeded"
  | "enforcement_disabled"
  | "late_settle"
  | "over_estimate"
  | "spooled";

export interface Warning {
  code: WarningCode;
  message: string;
  quotaId?: string;
  scope?: Scope;
  scopeId?: string | null;
  thresholdPercent?: number;
  utilizationPercent?: number;
}

export type ReserveDecision =
  | {
      allowed: true;
      /** true when this idempotency key was seen before: the original hold, not a new one. */
      replay: boolean;
      reservationId: string;
      estimatedCostUsd: Money;
      expiresAt: Date;
      warnings: Warning[];
    }
  | { allowed: false; denial: QuotaDenial; warnings: Warning[] };

export interface SettleResult {
  reservationId: string;
  status: "settled";
  costRecordId: string;
  actualCostUsd: Money;
  estimatedCostUsd: Money;
  late: boolean;
  replay: boolean;
  warnings: Warning[];
}

export type RecordDecision =
  | { allowed: true; replay: boolean; costRecordId: string; costUsd: Money; warnings: Warning[] }
  | { allowed: false; denial: QuotaDenial; warnings: Warning[] };

/** Fired inside the deciding transaction, once per (quota, period, threshold). */
export interface QuotaEvent {
  kind: "warning" | "exceeded";
  quotaId: string;
  scope: Scope;
  scopeId: string | null;
  tenantId: string | null;
  resourceType: QuotaResource;
  period: Period;
  periodStart: Date;
  thresholdPercent: number;
  limitUsd: Money;
  spentUsd: Money;
  reservedUsd: Money;
  utilizationPercent: number;
}

/** Runs SQL inside the transaction that made the decision (e.g. to write an alert outbox row). */
export type TxQuery = (text: string, params?: unknown[]) => Promise<{ rows: any[] }>;

export interface Hooks {
  onQuotaWarning?: (event: QuotaEvent, tx: TxQuery) => Promise<void> | void;
  onQuotaExceeded?: (event: QuotaEvent, tx: TxQuery) => Promise<void> | void;
}

export type ErrorCode =
  | "invalid_request"
  | "unknown_price"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "quota_unavailable";

export class TollgateError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "TollgateError";
  }
}
