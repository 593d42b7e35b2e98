// Decision values → SPEC §5 bodies: money as numbers rounded half-even to 6 decimals, times as
// ISO strings, no internal field (replay, periodStart) leaking into a response.
import { describe, expect, it } from "vitest";
import { money } from "~/core/money.ts";
import type { Warning } from "~/core/index.ts";
import { quotaStatusBody, reservationBody, settleBodyOf, usageBodyOf } from "./presenters.server.ts";

const WARNING: Warning = { code: "threshold_reached", message: "80% of the monthly LLM quota", quotaId: "q1", scope: "tenant", thresholdPercent: 80 };

describe("API bodies", () => {
  it("a reservation: the estimate at 6 decimals, the expiry as ISO, status held", () => {
    const body = reservationBody({
      allowed: true,
      replay: true,
      reservationId: "r1",
      estimatedCostUsd: money("0.0015425000"),
      expiresAt: new Date("2026-03-18T10:05:00Z"),
      warnings: [WARNING],
    });
    expect(body).toStrictEqual({ reservationId: "r1", status: "held", estimatedCostUsd: 0.001542, expiresAt: "2026-03-18T10:05:00.000Z", warnings: [WARNING] });
  });

  it("a settle: actual and estimate, late flag, no replay flag", () => {
    const body = settleBodyOf({
      reservationId: "r1",
      status: "settled",
      costRecordId: "42",
      actualCostUsd: money("12.3456785"),
      estimatedCostUsd: money("12.3456795"),
      late: true,
      replay: false,
      warnings: [],
    });
    expect(body).toStrictEqual({
      reservationId: "r1",
      status: "settled",
      costRecordId: "42",
      actualCostUsd: 12.345678,
      estimatedCostUsd: 12.34568,
      late: true,
      warnings: [],
    });
  });

  it("a recorded usage: its cost record and cost", () => {
    expect(usageBodyOf({ allowed: true, replay: false, costRecordId: "7", costUsd: money("0.0000004"), warnings: [] })).toStrictEqual({
      costRecordId: "7",
      costUsd: 0,
      warnings: [],
    });
  });

  it("a quota's status: every amount as a number, the reset time as ISO, no period start", () => {
    const body = quotaStatusBody({
      quotaId: "q1",
      scope: "user",
      scopeId: "u-1",
      resourceType: "all",
      period: "week",
      periodStart: new Date("2026-03-16T00:00:00Z"),
      resetsAt: new Date("2026-03-23T00:00:00Z"),
      limitUsd: money("100"),
      spentUsd: money("99.9999995"),
      reservedUsd: money("0.5000005"),
      remainingUsd: money("-0.5"),
      utilizationPercent: 100.5,
      enforcement: "soft",
    });
    expect(body).toStrictEqual({
      quotaId: "q1",
      scope: "user",
      scopeId: "u-1",
      resourceType: "all",
      period: "week",
      limitUsd: 100,
      spentUsd: 100,
      reservedUsd: 0.5,
      remainingUsd: -0.5,
      utilizationPercent: 100.5,
      resetsAt: "2026-03-23T00:00:00.000Z",
      enforcement: "soft",
    });
  });
});
