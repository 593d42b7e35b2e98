// Period-end forecasts on synthetic months with known answers.
import { describe, expect, it } from "vitest";
import { money, toDb } from "~/core/money.ts";
import { forecastPeriod, weightedMean } from "./forecast.ts";

const DAY_MS = 86_400_000;
const NOV = Date.UTC(2026, 10, 1); // November 2026: 30 days
const DEC = Date.UTC(2026, 11, 1);
const at = (day: number) => new Date(NOV + day * DAY_MS); // day 0 = Nov 1 00:00

/** A linear month with a little day-to-day noise: 8, 12, 9, 11, 10, … (mean $10/day). */
const PATTERN = [8, 12, 9, 11, 10];
const spendOn = (day: number) => PATTERN[((day % 5) + 5) % 5]; // day relative to Nov 1; negative = October

describe("forecast of a linear month", () => {
  const limit = money(250);
  // The truth: cumulative spend crosses $250 during Nov 25 (day index 24) and ends at $300.
  const cumulative = (days: number) => Array.from({ length: days }, (_, d) => spendOn(d)).reduce((s, x) => s + x, 0);
  const trueEnd = cumulative(30);
  const crossDay = Array.from({ length: 30 }, (_, d) => d).find((d) => cumulative(d + 1) >= 250)!;

  it("predicts the breach within ±1 day and an 80% interval that contains the true period-end spend", () => {
    expect([trueEnd, crossDay]).toEqual([300, 24]);
    const now = at(10); // Nov 11 00:00: ten complete days, $100 spent
    const recentDaily = Array.from({ length: 14 }, (_, i) => spendOn(10 - 14 + i));
    const f = forecastPeriod({ now, periodStart: new Date(NOV), periodEnd: new Date(DEC), limitUsd: limit, spentUsd: money(cumulative(10)), recentDaily });
    // The truth crosses during day 24 (between its start and end).
    const breach = f.breachAt!.getTime();
    expect(breach).toBeGreaterThanOrEqual(at(24).getTime() - DAY_MS);
    expect(breach).toBeLessThanOrEqual(at(25).getTime() + DAY_MS);
    expect(f.lowUsd.toNumber()).toBeLessThanOrEqual(trueEnd);
    expect(f.highUsd.toNumber()).toBeGreaterThanOrEqual(trueEnd);
    expect(f.lowUsd.lt(f.forecastUsd) && f.forecastUsd.lt(f.highUsd)).toBe(true);
    expect(Math.abs(f.forecastUsd.toNumber() - trueEnd)).toBeLessThan(10);
  });

  it("a constant rate: exact forecast, a zero-width interval, breach at the hand-computed instant", () => {
    const now = new Date(NOV + 10.5 * DAY_MS); // Nov 11 12:00, $105 spent at $10/day
    const f = forecastPeriod({ now, periodStart: new Date(NOV), periodEnd: new Date(DEC), limitUsd: limit, spentUsd: money(105), recentDaily: Array(14).fill(10) });
    // 19.5 days left × $10 = $195 → $300; (250 − 105) / 10 = 14.5 days → Nov 26 00:00.
    expect([toDb(f.forecastUsd), toDb(f.lowUsd), toDb(f.highUsd)]).toEqual(["300.0000000000", "300.0000000000", "300.0000000000"]);
    expect(f.breachAt!.toISOString()).toBe("2026-11-26T00:00:00.000Z");
  });

  it("no breach when the projection stays under the limit; the interval grows with √(days left)", () => {
    const base = { periodStart: new Date(NOV), periodEnd: new Date(DEC), limitUsd: money(1000), recentDaily: [8, 12, 8, 12] };
    const early = forecastPeriod({ ...base, now: at(5), spentUsd: money(50) });
    const late = forecastPeriod({ ...base, now: at(25), spentUsd: money(250) });
    expect([early.breachAt, late.breachAt]).toEqual([null, null]);
    const width = (f: typeof early) => f.highUsd.sub(f.lowUsd).toNumber();
    // σ = 2.309 (sample), z = 1.2816: half-width = z σ √days → 25 days vs 5 days = √5 times wider.
    expect(width(early) / width(late)).toBeCloseTo(Math.sqrt(5), 6);
    expect(width(late)).toBeCloseTo(2 * 1.2815515655 * 2.3094010768 * Math.sqrt(5), 3);
  });

  it("already at the limit: the breach is now", () => {
    const now = at(20);
    const f = forecastPeriod({ now, periodStart: new Date(NOV), periodEnd: new Date(DEC), limitUsd: limit, spentUsd: money(250), recentDaily: [10, 10] });
    expect(f.breachAt).toEqual(now);
  });

  it("without history, the pace of the period so far", () => {
    const f = forecastPeriod({ now: at(4), periodStart: new Date(NOV), periodEnd: new Date(DEC), limitUsd: limit, spentUsd: money(80), recentDaily: [] });
    // $20/day for 26 more days → $600; the limit is reached after (250 − 80) / 20 = 8.5 days.
    expect(toDb(f.forecastUsd)).toBe("600.0000000000");
    expect(f.breachAt!.toISOString()).toBe("2026-11-13T12:00:00.000Z");
  });

  it("weights recent days more", () => {
    expect(weightedMean([10, 10, 40])).toBe((10 + 20 + 120) / 6);
  });
});
