// The pure decision over locked usage rows: allow or deny, which quota binds, warnings, and
// threshold crossings. Exact values: these figures reach the 429 body and the alert emails.
import { describe, expect, it } from "vitest";
import { denialFor, describe as describeQuota, evaluate, newCrossings, utilizationPercent } from "./decide.ts";
import { money } from "./money.ts";
import { NOW, TENANT, usageRow } from "./test/usage-row.ts";

const DAY_END = new Date("2026-12-03T00:00:00.000Z");

describe("utilizationPercent", () => {
  it("percent of the limit, rounded half to even at 2 decimals", () => {
    expect(utilizationPercent(money(1), money(3))).toBe(33.33);
    expect(utilizationPercent(money(2), money(3))).toBe(66.67);
    expect(utilizationPercent(money(1), money(800))).toBe(0.12); // 0.125: the tie goes to the even 2
    expect(utilizationPercent(money(3), money(800))).toBe(0.38); // 0.375
    expect(utilizationPercent(money(15), money(10))).toBe(150);
    expect(utilizationPercent(money(0), money(10))).toBe(0);
    expect(utilizationPercent(money("0.0000000001"), money(10))).toBe(0);
  });
});

describe("describe", () => {
  it("names the scope, resource, period (daily, not dayly) and limit to the cent", () => {
    expect(describeQuota(usageRow({ scope: "platform", period: "month", limit: 100 }))).toBe("platform llm monthly quota of $100.00");
    expect(describeQuota(usageRow({ scope: "tenant", resource: "sandbox", period: "week", limit: "0.125" }))).toBe("tenant sandbox weekly quota of $0.12");
    expect(describeQuota(usageRow({ scope: "user", resource: "all", period: "day", limit: "10.005" }))).toBe("user user-1 all daily quota of $10.00");
  });
});

describe("evaluate", () => {
  const opts = { enforce: true, now: NOW };

  it("allows while spent + reserved + amount stays within the limit (equal is within), with no warnings", () => {
    const row = usageRow({ spent: 3, reserved: 2 });
    expect(evaluate([row], money(4), opts)).toEqual({ warnings: [] });
    expect(evaluate([row], money(5), opts)).toEqual({ warnings: [] });
  });

  it("denies one cent over, naming the quota with figures before the request", () => {
    const row = usageRow({ spent: 3, reserved: 2, thresholds: [80] });
    expect(evaluate([row], money("5.01"), opts)).toEqual({
      binding: row,
      warnings: [], // no threshold warning for a request that does not pass
      denial: {
        quotaId: "quota-tenant",
        scope: "tenant",
        scopeId: TENANT,
        resourceType: "llm",
        period: "day",
        limitUsd: money(10),
        currentSpendUsd: money(5),
        estimatedCostUsd: money("5.01"),
        remainingUsd: money(5),
        utilizationPercent: 50,
        resetsAt: DAY_END,
        retryAfterSeconds: 14 * 3600,
      },
    });
  });

  it("warns at the highest threshold reached, with the projected utilization", () => {
    const row = usageRow({ limit: 100, spent: 60, thresholds: [50, 80, 90] });
    expect(evaluate([row], money(25), opts).warnings).toEqual([
      {
        code: "threshold_reached",
        message: "The tenant llm daily quota of $100.00 is at 85% (warning at 80%).",
        thresholdPercent: 80,
        quotaId: "quota-tenant",
        scope: "tenant",
        scopeId: TENANT,
        utilizationPercent: 85,
      },
    ]);
    // Reaching the limit exactly still passes, and warns at 100% utilization.
    expect(evaluate([usageRow({ thresholds: [80] })], money(10), opts).warnings.map((w) => [w.code, w.utilizationPercent, w.thresholdPercent])).toEqual([
      ["threshold_reached", 100, 80],
    ]);
    expect(evaluate([usageRow({ limit: 3, thresholds: [30] })], money(1), opts).warnings[0].message).toBe(
      "The tenant llm daily quota of $3.00 is at 33.33% (warning at 30%).",
    );
  });

  it("binding row: the one that resets last, whatever the order of the rows", () => {
    const day = usageRow({ scope: "tenant", limit: 10, spent: "9.5" }); // room 0.50, resets tomorrow
    const month = usageRow({ scope: "platform", period: "month", limit: 100, spent: 99 }); // room 1, resets 2027-01-01
    expect(evaluate([day, month], money(2), opts).binding).toBe(month);
    expect(evaluate([month, day], money(2), opts).binding).toBe(month);
    expect(evaluate([day, month], money(2), opts).denial?.retryAfterSeconds).toBe(29 * 86_400 + 14 * 3600); // to 2027-01-01T00:00Z
  });

  it("binding row: among rows resetting together, the one with least room (a row already over the limit first)", () => {
    const tenant = usageRow({ scope: "tenant", limit: 10, spent: "9.5" }); // room 0.50
    const user = usageRow({ scope: "user", limit: 5, spent: 4 }); // room 1
    expect(evaluate([user, tenant], money(2), opts).binding).toBe(tenant);
    expect(evaluate([tenant, user], money(2), opts).binding).toBe(tenant);
    const overdrawn = usageRow({ scope: "user", limit: 5, spent: 7 }); // room -2
    expect(evaluate([tenant, overdrawn], money(2), opts).binding).toBe(overdrawn);
    // A row the amount fits in never binds, however little room it has left.
    const tight = usageRow({ scope: "user", limit: 5, spent: 4 });
    expect(evaluate([tight, usageRow({ scope: "platform", period: "month", limit: 100, spent: 99 })], money(1), opts)).toEqual({ warnings: [] });
  });

  it("a soft quota over its limit only warns; a disabled enforcement only warns and still names the binding row", () => {
    const soft = usageRow({ enforcement: "soft", spent: 8, thresholds: [80] });
    expect(evaluate([soft], money(4), opts)).toEqual({
      warnings: [
        { code: "soft_limit_exceeded", message: "Over the soft tenant llm daily quota of $10.00.", quotaId: "quota-tenant", scope: "tenant", scopeId: TENANT, utilizationPercent: 120 },
      ],
    });
    const hard = usageRow({ spent: 8 });
    expect(evaluate([hard], money(4), { enforce: false, now: NOW })).toEqual({
      binding: hard,
      warnings: [
        {
          code: "enforcement_disabled",
          message: "Would exceed the tenant llm daily quota of $10.00 (enforcement is off).",
          quotaId: "quota-tenant",
          scope: "tenant",
          scopeId: TENANT,
          utilizationPercent: 120,
        },
      ],
    });
  });
});

describe("denialFor", () => {
  it("remaining never goes below zero; utilization is of spent + reserved before the request", () => {
    const d = denialFor(usageRow({ spent: 12, reserved: "0.5" }), money(1), NOW);
    expect([d.currentSpendUsd, d.remainingUsd, d.utilizationPercent]).toEqual([money("12.5"), money(0), 125]);
  });

  it("Retry-After is whole seconds to the reset, rounded up, at least 1 (even past the reset)", () => {
    const row = usageRow();
    expect(denialFor(row, money(1), new Date(DAY_END.getTime() - 1500)).retryAfterSeconds).toBe(2);
    expect(denialFor(row, money(1), new Date(DAY_END.getTime() - 1)).retryAfterSeconds).toBe(1);
    expect(denialFor(row, money(1), new Date(DAY_END.getTime() + 5000)).retryAfterSeconds).toBe(1);
  });
});

describe("newCrossings", () => {
  const row = usageRow({ limit: 100, thresholds: [80, 90] });
  const event = (thresholdPercent: number, reserved: number, utilization: number) => ({
    kind: thresholdPercent >= 100 ? "exceeded" : "warning",
    quotaId: "quota-tenant",
    scope: "tenant",
    scopeId: TENANT,
    tenantId: TENANT,
    resourceType: "llm",
    period: "day",
    periodStart: new Date("2026-12-02T00:00:00.000Z"),
    thresholdPercent,
    limitUsd: money(100),
    spentUsd: money(0),
    reservedUsd: money(reserved),
    utilizationPercent: utilization,
  });

  it("each threshold once, at the crossing, with the utilization then", () => {
    expect(newCrossings(row, { spent: money(0), reserved: money(79) })).toEqual({ events: [], notified: [] });
    expect(newCrossings(row, { spent: money(0), reserved: money(85) })).toEqual({ events: [event(80, 85, 85)], notified: [80] });
    expect(newCrossings({ ...row, notified: [80] }, { spent: money(0), reserved: money(91) })).toEqual({ events: [event(90, 91, 91)], notified: [80, 90] });
    expect(newCrossings({ ...row, notified: [80, 90] }, { spent: money(0), reserved: money(95) })).toEqual({ events: [], notified: [80, 90] });
  });

  it("a jump past several fires them all, in order; 100% (exceeded) always counts, once even when configured", () => {
    expect(newCrossings(row, { spent: money(0), reserved: money(100) })).toEqual({ events: [event(80, 100, 100), event(90, 100, 100), event(100, 100, 100)], notified: [80, 90, 100] });
    const with100 = { ...row, thresholds: [100] };
    expect(newCrossings(with100, { spent: money(0), reserved: money(120) }).events.map((e) => e.thresholdPercent)).toEqual([100]);
  });

  it("a denial forces the exceeded event below 100%, once", () => {
    expect(newCrossings(row, { spent: money(0), reserved: money(50) }, true)).toEqual({ events: [event(100, 50, 50)], notified: [100] });
    expect(newCrossings({ ...row, notified: [100] }, { spent: money(0), reserved: money(50) }, true)).toEqual({ events: [], notified: [100] });
  });

  it("keeps notified sorted when an earlier threshold comes due later (a threshold added mid-period)", () => {
    expect(newCrossings({ ...row, notified: [90] }, { spent: money(0), reserved: money(92) })).toEqual({ events: [event(80, 92, 92)], notified: [80, 90] });
  });
});
