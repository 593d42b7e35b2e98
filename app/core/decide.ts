// Pure decisions over locked QuotaUsage rows: allow or deny, which quota binds, which
// warnings to return, and which threshold notifications are newly due.
import { Money, ZERO } from "./money.ts";
import type { QuotaDenial, QuotaEvent, Warning } from "./types.ts";
import type { UsageRow } from "./usage-rows.ts";

const HUNDRED = new Money(100);

export function utilizationPercent(used: Money, limit: Money): number {
  return Number(used.mul(HUNDRED).div(limit).toDecimalPlaces(2).toFixed(2));
}

export interface Evaluation {
  denial?: QuotaDenial;
  /** The row that denies (also set when enforcement is off and it only warns). */
  binding?: UsageRow;
  warnings: Warning[];
}

/**
 * Would adding `amount` keep every enabled hard quota at spent + reserved + amount <= limit?
 * When several deny, the binding one is the one that resets last (the request cannot pass
 * before then), then the one with least room.
 */
export function evaluate(rows: UsageRow[], amount: Money, opts: { enforce: boolean; now: Date }): Evaluation {
  const warnings: Warning[] = [];
  const over = (r: UsageRow) => r.spentUsd.add(r.reservedUsd).add(amount).gt(r.limitUsd);
  const violated = rows.filter((r) => r.enforcement === "hard" && over(r));
  const binding = [...violated].sort(
    (a, b) =>
      b.resetsAt.getTime() - a.resetsAt.getTime() ||
      a.limitUsd.sub(a.spentUsd).sub(a.reservedUsd).cmp(b.limitUsd.sub(b.spentUsd).sub(b.reservedUsd)),
  )[0];

  for (const r of rows) {
    const projected = r.spentUsd.add(r.reservedUsd).add(amount);
    const where = { quotaId: r.quotaId, scope: r.scope, scopeId: r.scopeId, utilizationPercent: utilizationPercent(projected, r.limitUsd) };
    if (r.enforcement === "hard" && over(r) && !opts.enforce) {
      warnings.push({ code: "enforcement_disabled", message: `Would exceed the ${describe(r)} (enforcement is off).`, ...where });
    } else if (r.enforcement === "soft" && over(r)) {
      warnings.push({ code: "soft_limit_exceeded", message: `Over the soft ${describe(r)}.`, ...where });
    }
    const reached = r.thresholds.filter((t) => projected.mul(HUNDRED).gte(r.limitUsd.mul(t))).sort((a, b) => b - a)[0];
    if (reached !== undefined && !over(r)) {
      warnings.push({
        code: "threshold_reached",
        message: `The ${describe(r)} is at ${where.utilizationPercent}% (warning at ${reached}%).`,
        thresholdPercent: reached,
        ...where,
      });
    }
  }
  if (!binding) return { warnings };
  if (!opts.enforce) return { binding, warnings };
  return { binding, warnings, denial: denialFor(binding, amount, opts.now) };
}

export function denialFor(r: UsageRow, amount: Money, now: Date): QuotaDenial {
  const current = r.spentUsd.add(r.reservedUsd);
  const remaining = Money.max(ZERO, r.limitUsd.sub(current));
  return {
    quotaId: r.quotaId,
    scope: r.scope,
    scopeId: r.scopeId,
    resourceType: r.resource,
    period: r.period,
    limitUsd: r.limitUsd,
    currentSpendUsd: current,
    estimatedCostUsd: amount,
    remainingUsd: remaining,
    utilizationPercent: utilizationPercent(current, r.limitUsd),
    resetsAt: r.resetsAt,
    retryAfterSeconds: Math.max(1, Math.ceil((r.resetsAt.getTime() - now.getTime()) / 1000)),
  };
}

export function describe(r: Pick<UsageRow, "scope" | "scopeId" | "resource" | "period" | "limitUsd">): string {
  const who = r.scope === "platform" ? "platform" : r.scope === "tenant" ? "tenant" : r.scope === "each_user" ? "per-user default" : `user ${r.scopeId}`;
  const forWhom = r.scope === "each_user" ? ` for user ${r.scopeId}` : "";
  return `${who} ${r.resource} ${r.period}ly quota of $${r.limitUsd.toDecimalPlaces(2).toFixed(2)}${forWhom}`.replace("dayly", "daily");
}

/**
 * Thresholds newly reached on a row after a change: warning thresholds and 100% (exceeded),
 * measured on spent + reserved. `forceExceeded` marks a denial by this row. The caller
 * writes the returned `notified` list back in the same transaction, so each (quota, period,
 * threshold) notifies once no matter how many requests cross it together.
 */
export function newCrossings(r: UsageRow, after: { spent: Money; reserved: Money }, forceExceeded = false) {
  const level = after.spent.add(after.reserved).mul(HUNDRED);
  const due = [...new Set([...r.thresholds, 100])]
    .filter((t) => !r.notified.includes(t))
    .filter((t) => level.gte(r.limitUsd.mul(t)) || (t === 100 && forceExceeded))
    .sort((a, b) => a - b);
  const events: QuotaEvent[] = due.map((t) => ({
    kind: t >= 100 ? "exceeded" : "warning",
    quotaId: r.quotaId,
    scope: r.scope,
    scopeId: r.scopeId,
    tenantId: r.tenantId,
    resourceType: r.resource,
    period: r.period,
    periodStart: r.periodStart,
    thresholdPercent: t,
    limitUsd: r.limitUsd,
    spentUsd: after.spent,
    reservedUsd: after.reserved,
    utilizationPercent: utilizationPercent(after.spent.add(after.reserved), r.limitUsd),
  }));
  return { events, notified: [...r.notified, ...due].sort((a, b) => a - b) };
}
