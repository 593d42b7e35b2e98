// Daily anomalies on synthetic series with known answers, and hourly spikes.
import { mean, standardDeviation } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { analyzeDaily, DAILY_FLOORS, dailyAnomalies, hourlySpike, weekdayFactors, type DayValue } from "./anomalies.ts";
import { robustScore } from "./robust.ts";

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 7, 3); // Monday 2026-08-03
const dayOf = (i: number) => new Date(START + i * DAY_MS).toISOString().slice(0, 10);
const isWeekend = (i: number) => [0, 6].includes(new Date(START + i * DAY_MS).getUTCDay());

/** n days of a weekly rhythm: `weekday` USD Monday–Friday, `weekend` USD on Saturday and Sunday. */
function weekly(n: number, weekday: number, weekend: number, overrides: Record<number, number> = {}): DayValue[] {
  return Array.from({ length: n }, (_, i) => ({ day: dayOf(i), usd: overrides[i] ?? (isWeekend(i) ? weekend : weekday) }));
}

describe("daily anomalies against a weekday-aware 28-day baseline", () => {
  it("flags exactly the injected spike in a flat weekly-seasonal series", () => {
    // Day 66 is a Thursday: three times a normal weekday.
    expect(new Date(START + 66 * DAY_MS).getUTCDay()).toBe(4);
    const findings = dailyAnomalies(weekly(90, 100, 40, { 66: 300 }), { sensitivity: 2 });
    expect(findings).toHaveLength(1);
    // The spread of a flat series is the floor, 50% of the expected $100: z = (300 − 100) / 50.
    expect(findings[0]).toMatchObject({ day: dayOf(66), actual: 300, expected: 100, severity: "high" });
    expect(findings[0].score).toBeCloseTo(4, 9);
  });

  it("a quiet weekend is not an anomaly, and a dip never is", () => {
    // Weekend days at 40 are normal for this series; a Saturday at $5 is a dip, not a finding.
    const sat = 68;
    expect(isWeekend(sat)).toBe(true);
    expect(dailyAnomalies(weekly(90, 100, 40, { [sat]: 5 }), { sensitivity: 2 })).toEqual([]);
    expect(weekdayFactors(weekly(28, 100, 40)).map((f) => Number(f.toFixed(3)))).toEqual([0.4, 1, 1, 1, 1, 1, 0.4]);
  });

  it("busy weekends are the rhythm, not spikes (a baseline without weekdays would flag every one)", () => {
    const series = weekly(90, 100, 250);
    expect(dailyAnomalies(series, { sensitivity: 2 })).toEqual([]);
    // What a weekday-blind median/MAD would have said about Saturday (day 68) at 250: z = 150 / 50.
    expect(robustScore(250, series.slice(40, 68).map((d) => d.usd), DAILY_FLOORS).score).toBe(3);
  });

  it("outliers in the baseline do not mask a later spike", () => {
    // Two runaway days (×5 and ×8) two weeks before a ×2.5 day, all on weekdays.
    const series = weekly(90, 100, 40, { 44: 500, 50: 800, 64: 250 });
    const days = dailyAnomalies(series, { sensitivity: 2 }).map((f) => f.day);
    expect(days).toEqual([dayOf(44), dayOf(50), dayOf(64)]);
    // A mean/standard-deviation baseline is dragged up by those outliers and misses day 64.
    const baseline = series.slice(64 - 28, 64).filter((_, i) => !isWeekend(64 - 28 + i)).map((d) => d.usd);
    expect((250 - mean(baseline)) / standardDeviation(baseline)).toBeLessThan(2);
  });

  it("severity follows the score bands around the sensitivity (s = 2: low, medium from 3, high from 4)", () => {
    // Day 58 is a Wednesday; the spread is the $50 floor, so z = (usd − 100) / 50.
    const judge = (usd: number) => dailyAnomalies(weekly(60, 100, 40, { 58: usd }), { sensitivity: 2 }).map((f) => f.severity);
    expect([judge(200), judge(210), judge(260), judge(305)]).toEqual([[], ["low"], ["medium"], ["high"]]);
    // A stricter sensitivity: z = 4.2 is only low at s = 4.
    expect(dailyAnomalies(weekly(60, 100, 40, { 58: 310 }), { sensitivity: 4 }).map((f) => f.severity)).toEqual(["low"]);
  });

  it("the dollar floor keeps a tiny tenant's extra dollar from being a finding", () => {
    // $1 a day, then $2.50: +150%, but the spread is floored at $1, so z = 1.5.
    expect(dailyAnomalies(weekly(40, 1, 1, { 35: 2.5 }), { sensitivity: 2 })).toEqual([]);
    expect(dailyAnomalies(weekly(40, 1, 1, { 35: 3.5 }), { sensitivity: 2 }).map((f) => f.score)).toEqual([2.5]);
  });

  it("needs 14 days since the first recorded day (a new tenant is not judged before)", () => {
    const young = weekly(40, 100, 40, { 35: 900 }).map((d, i) => (i < 25 ? { ...d, usd: 0 } : d));
    expect(dailyAnomalies(young, { sensitivity: 2 })).toEqual([]);
    // With 15 days of history it is.
    const older = weekly(40, 100, 40, { 35: 900 }).map((d, i) => (i < 20 ? { ...d, usd: 0 } : d));
    expect(dailyAnomalies(older, { sensitivity: 2 }).map((f) => f.day)).toEqual([dayOf(35)]);
  });

  it("evaluateFrom skips older days", () => {
    expect(dailyAnomalies(weekly(90, 100, 40, { 45: 300 }), { sensitivity: 2, evaluateFrom: dayOf(46) })).toEqual([]);
  });
});

describe("history and level shifts (issue #14)", () => {
  /** A tenant whose first cost is on day `first`: zero before (the days the job's dense series fills in). */
  const newTenant = (n: number, first: number, overrides: Record<number, number> = {}) =>
    weekly(n, 100, 40, overrides).map((d, i) => (i < first ? { ...d, usd: 0 } : d));

  it("a tenant with 10 days of history and a normal pattern gets no finding: the verdict is withheld", () => {
    const a = analyzeDaily(newTenant(70, 60), { sensitivity: 2 });
    expect(a.findings).toEqual([]);
    expect(a.withheld).toEqual(Array.from({ length: 10 }, (_, k) => dayOf(60 + k)));
    // Even a 5× day is withheld that early: too little history to know the tenant's normal.
    expect(dailyAnomalies(newTenant(70, 60, { 66: 500 }), { sensitivity: 2 })).toEqual([]);
  });

  it("ordinary weekdays three weeks in are normal (the days before the first cost are not $0 days)", () => {
    // 21 days of history: the 28-day window would hold 7 empty days. Judged on the 21 real ones,
    // every weekday is expected at $100 and none is flagged.
    const series = newTenant(81, 60);
    const a = analyzeDaily(series, { sensitivity: 2, evaluateFrom: dayOf(74) });
    expect([a.findings, a.withheld]).toEqual([[], []]);
    // A real spike that early is still found, against a band widened by √(28 / 20): z = 200 / (50 × 1.183).
    const spike = dailyAnomalies(newTenant(81, 60, { 80: 300 }), { sensitivity: 2 });
    expect(spike.map((f) => [f.day, f.expected])).toEqual([[dayOf(80), 100]]);
    expect(spike[0].score).toBeCloseTo(200 / (50 * Math.sqrt(28 / 20)), 9);
  });

  it("a tenant that doubles its usage for good is flagged on its first days, then it is the new normal", () => {
    // From day 60 (a Saturday) on, 2.5× the old spend every day.
    const series = weekly(110, 100, 40).map((d, i) => (i >= 60 ? { ...d, usd: d.usd * 2.5 } : d));
    const a = analyzeDaily(series, { sensitivity: 2 });
    expect(a.findings.map((f) => f.day)).toEqual([dayOf(60), dayOf(61), dayOf(62)]);
    expect([a.shifts, [...a.shiftDays]]).toEqual([[dayOf(60)], [dayOf(60), dayOf(61), dayOf(62)]]);
    // A spike on the new level is still found (3× the new normal on day 100).
    const later = series.map((d, i) => (i === 100 ? { ...d, usd: d.usd * 3 } : d));
    expect(dailyAnomalies(later, { sensitivity: 2 }).map((f) => f.day)).toEqual([dayOf(60), dayOf(61), dayOf(62), dayOf(100)]);
  });

  it("an incident that ends hands back the old level (a run below the incident's band)", () => {
    // Days 60–64 at 4×, then normal again; a 3× day on 90 is judged against the normal level.
    const series = weekly(100, 100, 40).map((d, i) => (i >= 60 && i <= 64 ? { ...d, usd: d.usd * 4 } : i === 90 ? { ...d, usd: d.usd * 3 } : d));
    const a = analyzeDaily(series, { sensitivity: 2 });
    expect(a.shifts).toEqual([dayOf(60), dayOf(65)]);
    expect(a.findings.map((f) => f.day)).toEqual([dayOf(60), dayOf(61), dayOf(62), dayOf(90)]);
  });
});

describe("hourly spikes", () => {
  const history = Array(14).fill(2); // $2 in this hour on each of the last 14 days; a typical day is $48

  it("floors the spread at an eighth of the typical day", () => {
    // spread = max(1.4826 × 0, 25% × 2, 48 / 8, 1) = 6 → z = (17 − 2) / 6 = 2.5
    expect(hourlySpike(17, history, 48, 2)).toEqual({ actual: 17, expected: 2, score: 2.5, severity: "low" });
    expect(hourlySpike(32, history, 48, 2)).toEqual({ actual: 32, expected: 2, score: 5, severity: "high" });
    expect(hourlySpike(13, history, 48, 2)).toBeNull();
  });

  it("needs a week of history", () => {
    expect(hourlySpike(100, [2, 2, 2, 2, 2, 2], 48, 2)).toBeNull();
  });
});
