// Period-end forecast of a quota's spend (pure).
//
// The rate comes from the scope's own recent days, cleaned first: the daily anomaly analysis
// runs over the history, days it flags are left out (their excess must not carry into the rest
// of the period: one spike in a 14-day weighted mean raised a month forecast ~70% and a false
// "forecast breach"), a recognised level shift starts the window at the new level, and days
// before the first recorded one are not history. On the clean days of the window (at most
// WINDOW_DAYS): weekday factors as in the anomaly baseline, then a line through the
// de-seasonalized values, its slope damped (TREND_DAMPING) — growth shows without one noisy
// week tilting a month. Each remaining day is projected with its weekday factor.
//
// 80% interval: the residual spread of the window's days, the uncertainty of the fitted level
// and slope (ordinary least-squares prediction variance over the remaining days), widened by
// INTERVAL_SCALE for what a line cannot know (incidents, drift); the constants were chosen with
// `npm run bench:analysis` (docs/adr/0005 has the table).
import { sampleStandardDeviation } from "simple-statistics";
import { money, type Money } from "~/core/money.ts";
import { analyzeDaily, MIN_HISTORY_DAYS, SHIFT_DAYS, type DailyAnalysis, type DayValue } from "./anomalies.ts";

/** Days of history the job reads for a forecast (the anomaly baseline of the window's days needs 28 before them). */
export const HISTORY_DAYS = 56;
export const WINDOW_DAYS = 28;
export const TREND_DAMPING = 0.5;
export const INTERVAL_SCALE = 1.2;
export const TREND_MIN_T = 1;
/** A level shift is the rate's new basis once it has lasted this many days (an incident rarely does). */
export const MIN_LEVEL_DAYS = 7;
const DAY_MS = 86_400_000;
/**
 * Two-sided 80% interval: the standard normal's 90th percentile. A constant, because
 * simple-statistics' probit(0.9) is an approximation that is 5e-4 off (1.28105).
 */
export const Z80 = 1.2815515655446004;

export interface ForecastInput {
  now: Date;
  periodStart: Date;
  periodEnd: Date;
  limitUsd: Money;
  /** Spend recorded in the period so far (exact). */
  spentUsd: Money;
  /** Complete days before today, oldest first, consecutive (missing days as 0); leading zero days are not history. */
  history: DayValue[];
  /** The anomaly sensitivity (ANOMALY_SENSITIVITY): which days are left out of the rate. */
  sensitivity: number;
}

export interface ExcludedDay {
  day: string;
  actualUsd: number;
  expectedUsd: number;
  reason: "anomaly";
}

export interface ForecastResult {
  forecastUsd: Money;
  lowUsd: Money;
  highUsd: Money;
  /** When cumulative spend is projected to reach the limit; null if not before the period ends. */
  breachAt: Date | null;
  /** The projected spend of a typical day from now (the level, before weekday factors). */
  dailyRateUsd: number;
  /** The days the rate was drawn from (null: no history, the period's own pace). */
  rateFrom: string | null;
  /** Flagged days in the window, left out of the rate. */
  excluded: ExcludedDay[];
  /** A recognised level shift inside the window: the rate starts there. */
  newLevelFrom: string | null;
  /** Fewer than MIN_HISTORY_DAYS days of history: the interval is wide. */
  shortHistory: boolean;
}

export interface ForecastMethod {
  windowDays: number;
  trendDamping: number;
  intervalScale: number;
  trendMinT: number;
  /** false: keep flagged days in the rate (the backtest's ablation). */
  excludeAnomalies: boolean;
}

export const FORECAST_METHOD: ForecastMethod = {
  windowDays: WINDOW_DAYS,
  trendDamping: TREND_DAMPING,
  intervalScale: INTERVAL_SCALE,
  trendMinT: TREND_MIN_T,
  excludeAnomalies: true,
};

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Segment {
  /** Days from today's start (0 = today). */
  x: number;
  /** Share of the day still ahead. */
  share: number;
  weekday: number;
  endMs: number;
}

/** The remaining time [now, periodEnd) cut at UTC midnights. */
function remainingSegments(now: Date, periodEnd: Date): Segment[] {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const out: Segment[] = [];
  for (let s = today; s < periodEnd.getTime(); s += DAY_MS) {
    const from = Math.max(s, now.getTime());
    const to = Math.min(s + DAY_MS, periodEnd.getTime());
    if (to > from) out.push({ x: (s - today) / DAY_MS, share: (to - from) / DAY_MS, weekday: new Date(s).getUTCDay(), endMs: to });
  }
  return out;
}

export function forecastPeriod(input: ForecastInput, method: ForecastMethod = FORECAST_METHOD): ForecastResult {
  const { now, periodStart, spentUsd } = input;
  const segments = remainingSegments(now, input.periodEnd);
  const analysis = analyzeDaily(input.history, { sensitivity: input.sensitivity });
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const level = currentLevel(analysis, isoDay(today - MIN_LEVEL_DAYS * DAY_MS));
  const windowFrom = level === null ? null : [level.from, isoDay(today - method.windowDays * DAY_MS)].sort().at(-1)!;
  const window = windowFrom === null ? [] : input.history.filter((d) => d.day >= windowFrom);
  // The days that began the current level are its normal; every other flagged day is an excess.
  const flagged = new Map(analysis.findings.filter((f) => !level?.runDays.has(f.day)).map((f) => [f.day, f]));
  const excluded: ExcludedDay[] = method.excludeAnomalies
    ? window.filter((d) => flagged.has(d.day)).map((d) => ({ day: d.day, actualUsd: d.usd, expectedUsd: flagged.get(d.day)!.expected, reason: "anomaly" as const }))
    : [];
  const clean = window.filter((d) => !excluded.some((e) => e.day === d.day));

  let variance: number;
  let rate: number;
  let dayRate: (s: Segment) => number;
  if (clean.length >= 2) {
    // Weekday factors are medians: on a sparse series (days without spend) they are noise that
    // multiplies the rate several-fold, so such a series is projected without them.
    const sparse = clean.filter((d) => d.usd <= 0).length > clean.length / 10;
    const factor = window.length >= MIN_HISTORY_DAYS && !sparse ? meanWeekdayFactors(clean) : Array(7).fill(1);
    const xs = clean.map((d) => (Date.parse(`${d.day}T00:00:00Z`) - today) / DAY_MS);
    const ys = clean.map((d) => d.usd / factor[weekday(d.day)]);
    const n = ys.length;
    const xMean = xs.reduce((s, x) => s + x, 0) / n;
    const yMean = ys.reduce((s, y) => s + y, 0) / n;
    const sxx = xs.reduce((s, x) => s + (x - xMean) ** 2, 0);
    // A slope needs two weeks of days and must stand out of the noise (|t| > TREND_MIN_T);
    // otherwise the level is the mean (a noise slope on a steady series costs more than it helps).
    const rawSlope = n >= MIN_HISTORY_DAYS && sxx > 0 ? xs.reduce((s, x, i) => s + (x - xMean) * (ys[i] - yMean), 0) / sxx : 0;
    const rawResidual = n > 2 ? Math.sqrt(ys.reduce((s, y, i) => s + (y - yMean - rawSlope * (xs[i] - xMean)) ** 2, 0) / (n - 2)) : 0;
    const t = rawResidual > 0 ? Math.abs(rawSlope) / (rawResidual / Math.sqrt(sxx)) : 0;
    const slope = t > method.trendMinT ? method.trendDamping * rawSlope : 0;
    const fit = (x: number) => Math.max(0, yMean + slope * (x - xMean));
    const sigma = sampleStandardDeviation(ys.map((y, i) => y - fit(xs[i])));
    rate = fit(0);
    dayRate = (s) => fit(s.x + s.share / 2) * factor[s.weekday];
    const w = segments.map((s) => s.share * factor[s.weekday]);
    const sumW = w.reduce((s, v) => s + v, 0);
    const sumW2 = w.reduce((s, v) => s + v * v, 0);
    const sumWX = segments.reduce((s, seg, i) => s + w[i] * (seg.x - xMean), 0);
    // The damped-away part of the trend is a bias if growth goes on: it widens the interval.
    const dampedAway = (rawSlope - slope) * sumWX;
    variance = sigma ** 2 * (sumW2 + sumW ** 2 / n + (slope !== 0 ? sumWX ** 2 / sxx : 0)) + (slope !== 0 ? dampedAway ** 2 : 0);
  } else {
    // No history (a new scope): the pace of the period so far, with a spread as large as the rate.
    const elapsedDays = (now.getTime() - periodStart.getTime()) / DAY_MS;
    const pace = clean.length === 1 ? clean[0].usd : elapsedDays >= 1 / 24 ? spentUsd.toNumber() / elapsedDays : 0;
    rate = pace;
    dayRate = () => pace;
    const days = segments.reduce((s, seg) => s + seg.share, 0);
    variance = pace ** 2 * days;
  }
  const ahead = segments.reduce((s, seg) => s + dayRate(seg) * seg.share, 0);
  const half = Z80 * method.intervalScale * Math.sqrt(variance);
  const usd = (x: number) => money(x.toFixed(10));
  return {
    forecastUsd: spentUsd.add(usd(ahead)),
    lowUsd: spentUsd.add(usd(Math.max(0, ahead - half))),
    highUsd: spentUsd.add(usd(ahead + half)),
    breachAt: breachTime(input, segments, dayRate),
    dailyRateUsd: rate,
    rateFrom: clean[0]?.day ?? null,
    excluded,
    newLevelFrom: level?.shift && windowFrom === level.from ? level.from : null,
    shortHistory: window.length < MIN_HISTORY_DAYS,
  };
}

/**
 * Weekday factors as means (a weekday's mean / the window's mean): the flagged days are already
 * out, so the mean's efficiency wins over the median's robustness (four values a weekday).
 */
function meanWeekdayFactors(days: DayValue[]): number[] {
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const overall = avg(days.map((d) => d.usd));
  return Array.from({ length: 7 }, (_, w) => {
    const values = days.filter((d) => weekday(d.day) === w).map((d) => d.usd);
    return overall <= 0 || values.length === 0 ? 1 : Math.max(avg(values) / overall, 0.1);
  });
}

/**
 * The level the rate is drawn from: the latest one (first recorded day or level shift) that has
 * lasted MIN_LEVEL_DAYS. A younger shift may be an incident still going on — its days stay
 * flagged and out of the rate until it has lasted a week.
 */
function currentLevel(a: DailyAnalysis, settledBy: string): { from: string; shift: boolean; runDays: Set<string> } | null {
  if (a.firstDay === null) return null;
  const settled = a.shifts.filter((s) => s <= settledBy);
  const from = settled.at(-1);
  if (from === undefined) return { from: a.firstDay, shift: false, runDays: new Set() };
  return { from, shift: true, runDays: new Set([...a.shiftDays].filter((d) => d >= from && d < addDays(from, SHIFT_DAYS))) };
}

const addDays = (day: string, n: number) => isoDay(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);

/** Walks the remaining days until the projected cumulative spend reaches the limit. */
function breachTime({ now, limitUsd, spentUsd }: ForecastInput, segments: Segment[], dayRate: (s: Segment) => number): Date | null {
  // Already at the limit: the breach is now (a hard quota is denying from here on).
  if (spentUsd.gte(limitUsd)) return now;
  let left = limitUsd.sub(spentUsd).toNumber();
  for (const seg of segments) {
    const rate = dayRate(seg);
    const amount = rate * seg.share;
    if (amount >= left && rate > 0) return new Date(seg.endMs - Math.round((seg.share - left / rate) * DAY_MS));
    left -= amount;
  }
  return null;
}
