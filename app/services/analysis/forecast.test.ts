// Period-end forecasts on synthetic months with known answers.
import { describe, expect, it } from "vitest";
import { money, toDb } from "~/core/money.ts";
import type { DayValue } from "./anomalies.ts";
import { forecastPeriod, Z80 } from "./forecast.ts";

const DAY_MS = 86_400_000;
const NOV = Date.UTC(2026, 10, 1); // November 2026: 30 days; Nov 1 is a Sunday
const DEC = Date.UTC(2026, 11, 1);
const at = (day: number) => new Date(NOV + day * DAY_MS); // day 0 = Nov 1 00:00
const dayOf = (i: number) => new Date(NOV + i * DAY_MS).toISOString().slice(0, 10);
const isWeekend = (i: number) => [0, 6].includes(new Date(NOV + i * DAY_MS).getUTCDay());

/** Days [from, to) relative to Nov 1 (negative = October), valued by `usd`. */
const days = (from: number, to: number, usd: (i: number) => number): DayValue[] =>
  Array.from({ length: to - from }, (_, k) => ({ day: dayOf(from + k), usd: usd(from + k) }));
const sum = (d: DayValue[], from = -Infinity) => d.filter((x) => x.day >= dayOf(Math.max(from, -400))).reduce((s, x) => s + x.usd, 0);
const base = { periodStart: new Date(NOV), periodEnd: new Date(DEC), sensitivity: 2 };

describe("forecast of a month", () => {
  it("a constant rate: exact forecast, a zero-width interval, breach at the hand-computed instant", () => {
    const history = days(-46, 10, () => 10);
    const now = new Date(NOV + 10.5 * DAY_MS); // Nov 11 12:00, $105 spent at $10/day
    const f = forecastPeriod({ ...base, now, limitUsd: money(250), spentUsd: money(105), history });
    // 19.5 days left × $10 = $195 → $300; (250 − 105) / 10 = 14.5 days → Nov 26 00:00.
    expect([toDb(f.forecastUsd), toDb(f.lowUsd), toDb(f.highUsd)]).toEqual(["300.0000000000", "300.0000000000", "300.0000000000"]);
    expect(f.breachAt!.toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect([f.dailyRateUsd, f.rateFrom, f.excluded, f.newLevelFrom, f.shortHistory]).toEqual([10, dayOf(-18), [], null, false]);
  });

  it("projects each remaining day with its weekday factor", () => {
    // $100 on weekdays, $40 at weekends, for eight weeks; Nov 23 (Monday) to Nov 30: 6 weekdays + 2 weekend days left.
    const rhythm = (i: number) => (isWeekend(i) ? 40 : 100);
    const history = days(-34, 22, rhythm);
    const f = forecastPeriod({ ...base, now: at(22), limitUsd: money(10_000), spentUsd: money(sum(history, 0)), history });
    expect(f.forecastUsd.sub(sum(history, 0)).toNumber()).toBeCloseTo(6 * 100 + 2 * 40, 6);
    expect(f.breachAt).toBeNull();
  });

  it("a spike two days ago stays out of the rate (the issue's tenant: no false breach)", () => {
    // A steady weekly rhythm, then Nov 18 (a Wednesday) at 10× a normal weekday.
    const rhythm = (i: number) => (isWeekend(i) ? 40 : 100) * (1 + 0.05 * Math.sin(i));
    const history = days(-70, 20, (i) => (i === 17 ? 1000 : rhythm(i)));
    const spent = sum(history, 0);
    const truthAhead = days(20, 30, rhythm).reduce((s, d) => s + d.usd, 0);
    const limit = money(((spent + truthAhead) * 1.1).toFixed(2)); // the true period end is 10% under the limit
    const f = forecastPeriod({ ...base, now: at(20), limitUsd: limit, spentUsd: money(spent), history });
    expect(f.excluded.map((e) => [e.day, e.reason])).toEqual([[dayOf(17), "anomaly"]]);
    // The projection of the 10 days left is within 5% of the truth (the spike's $900 was spent; it
    // is in spentUsd, not in the rate).
    const ahead = f.forecastUsd.toNumber() - spent;
    expect(Math.abs(ahead - truthAhead) / truthAhead).toBeLessThan(0.05);
    expect(f.breachAt).toBeNull();
    // Kept in the rate (the method before issue #14 did), the same spike predicts a breach.
    const kept = forecastPeriod({ ...base, now: at(20), limitUsd: limit, spentUsd: money(spent), history }, { windowDays: 14, trendDamping: 0, intervalScale: 1, trendMinT: 0, excludeAnomalies: false });
    expect(kept.forecastUsd.toNumber() - spent).toBeGreaterThan(truthAhead * 1.3);
    expect(kept.breachAt).not.toBeNull();
  });

  it("a level shift becomes the rate's basis once it has lasted a week", () => {
    // $50 a day, then $120 a day from Nov 8 (more than double: a flat series is judged against the 50% floor).
    const history = days(-56, 18, (i) => (i >= 7 ? 120 : 50));
    const f = forecastPeriod({ ...base, now: at(18), limitUsd: money(10_000), spentUsd: money(sum(history, 0)), history });
    expect(f.newLevelFrom).toBe(dayOf(7));
    expect(f.excluded).toEqual([]);
    expect(f.dailyRateUsd).toBeCloseTo(120, 6);
  });

  it("no breach when the projection stays under the limit; the interval grows with the days left", () => {
    const history = days(-40, 25, (i) => (i % 2 ? 12 : 8));
    const early = forecastPeriod({ ...base, now: at(5), limitUsd: money(1000), spentUsd: money(50), history: history.filter((d) => d.day < dayOf(5)) });
    const late = forecastPeriod({ ...base, now: at(25), limitUsd: money(1000), spentUsd: money(250), history });
    expect([early.breachAt, late.breachAt]).toEqual([null, null]);
    const width = (f: typeof early) => f.highUsd.sub(f.lowUsd).toNumber();
    expect(width(early)).toBeGreaterThan(2 * width(late));
    expect(late.lowUsd.lt(late.forecastUsd) && late.forecastUsd.lt(late.highUsd)).toBe(true);
  });

  it("already at the limit: the breach is now", () => {
    const now = at(20);
    const f = forecastPeriod({ ...base, now, limitUsd: money(250), spentUsd: money(250), history: days(-10, 20, () => 10) });
    expect(f.breachAt).toEqual(now);
  });

  it("without history, the pace of the period so far", () => {
    const f = forecastPeriod({ ...base, now: at(4), limitUsd: money(250), spentUsd: money(80), history: [] });
    // $20/day for 26 more days → $600; the limit is reached after (250 − 80) / 20 = 8.5 days.
    expect(toDb(f.forecastUsd)).toBe("600.0000000000");
    expect(f.breachAt!.toISOString()).toBe("2026-11-13T12:00:00.000Z");
    expect(f.shortHistory).toBe(true);
  });

  it("a new tenant's days before its first cost are not history", () => {
    // Zero until Nov 10, then $30 a day: the rate is $30, not diluted by the empty days.
    const history = days(-46, 20, (i) => (i >= 9 ? 30 : 0));
    const f = forecastPeriod({ ...base, now: at(20), limitUsd: money(10_000), spentUsd: money(330), history });
    expect([f.rateFrom, f.shortHistory, f.dailyRateUsd]).toEqual([dayOf(9), true, 30]);
    expect(toDb(f.forecastUsd)).toBe("630.0000000000");
    expect(Z80).toBeCloseTo(1.28155, 5);
  });
});
