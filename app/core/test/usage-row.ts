// Usage rows built by hand for the pure decision modules' tests (decide.ts, decide-batch.ts):
// every field a decision reads is stated, defaults are one tenant's daily LLM quota of $10 on
// 2026-12-02, and Money compares by value in `toEqual` (8 equals 8.0000000000).
import { expect } from "vitest";
import { money, Money, type MoneyInput } from "../money.ts";
import { periodEnd, periodStart } from "../periods.ts";
import type { UsageRow } from "../usage-rows.ts";

expect.addEqualityTesters([(a, b) => (a instanceof Money && b instanceof Money ? a.eq(b) : undefined)]);

export const NOW = new Date("2026-12-02T10:00:00.000Z");
export const TENANT = "00000000-0000-4000-8000-0000000000a1";
export const OTHER_TENANT = "00000000-0000-4000-8000-0000000000b2";

export type RowSpec = Partial<Omit<UsageRow, "limitUsd" | "spentUsd" | "reservedUsd">> & {
  limit?: MoneyInput;
  spent?: MoneyInput;
  reserved?: MoneyInput;
  /** Any instant of the row's period (default NOW). */
  at?: Date;
};

export function usageRow(s: RowSpec = {}): UsageRow {
  const scope = s.scope ?? "tenant";
  const period = s.period ?? "day";
  const tenantId = s.tenantId !== undefined ? s.tenantId : scope === "platform" ? null : TENANT;
  const scopeId = s.scopeId !== undefined ? s.scopeId : scope === "platform" ? null : scope === "tenant" ? tenantId : "user-1";
  const start = s.periodStart ?? periodStart(period, s.at ?? NOW);
  return {
    usageId: s.usageId ?? `usage-${scope}`,
    quotaId: s.quotaId ?? `quota-${scope}`,
    scope,
    scopeId,
    tenantId,
    resource: s.resource ?? "llm",
    period,
    periodStart: start,
    resetsAt: s.resetsAt ?? periodEnd(period, start),
    limitUsd: money(s.limit ?? 10),
    spentUsd: money(s.spent ?? 0),
    reservedUsd: money(s.reserved ?? 0),
    thresholds: s.thresholds ?? [],
    notified: s.notified ?? [],
    enforcement: s.enforcement ?? "hard",
    enabled: s.enabled ?? true,
    ...(s.overridden ? { overridden: true } : {}),
  };
}
