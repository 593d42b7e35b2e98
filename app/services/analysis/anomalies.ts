// Anomaly detection on spend series (pure functions; the job feeds them from the rollups).
//
// Daily: each day is compared with the 28 days before it. Spend has a weekly rhythm, so the
// baseline is de-seasonalized first: a weekday factor = median of that weekday's 4 values /
// median of all 28 (floored at 0.1), every baseline value is divided by its factor, and the day
// is scored on the same scale with median/MAD. Medians of medians keep a few outliers in the
// baseline (an earlier spike) from inflating the expectation or the spread.
//
// Hourly: an hour of the last 24 against the same hour on the previous 14 days.
import { median } from "simple-statistics";
import { robustScore, severityOf, type Severity } from "./robust.ts";

export const BASELINE_DAYS = 28;
/** A baseline with fewer days of spend than this (a new tenant) is not judged. */
export const MIN_ACTIVE_DAYS = 14;
const MIN_WEEKDAY_FACTOR = 0.1;
const DAILY_FLOORS = { relative: 0.1, absolute: 0.01 };

export interface DayValue {
  /** YYYY-MM-DD (UTC). */
  day: string;
  usd: number;
}

export interface DailyFinding {
  day: string;
  actual: number;
  expected: number;
  score: number;
  severity: Severity;
}

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

/**
 * Findings among `series` (consecutive days, missing days as 0), for days on or after
 * `evaluateFrom` that have a full 28-day baseline before them.
 */
export function dailyAnomalies(series: DayValue[], opts: { sensitivity: number; evaluateFrom?: string }): DailyFinding[] {
  const out: DailyFinding[] = [];
  for (let i = BASELINE_DAYS; i < series.length; i++) {
    const { day, usd } = series[i];
    if (opts.evaluateFrom && day < opts.evaluateFrom) continue;
    const baseline = series.slice(i - BASELINE_DAYS, i);
    if (baseline.filter((d) => d.usd > 0).length < MIN_ACTIVE_DAYS) continue;
    const factor = weekdayFactors(baseline);
    const adjusted = baseline.map((d) => d.usd / factor[weekday(d.day)]);
    const f = factor[weekday(day)];
    const r = robustScore(usd / f, adjusted, DAILY_FLOORS);
    const severity = severityOf(r.score, opts.sensitivity);
    if (severity) out.push({ day, actual: usd, expected: r.expected * f, score: r.score, severity });
  }
  return out;
}

/** factor[0..6] (Sunday = 0): how that weekday's spend compares with the baseline's median day. */
export function weekdayFactors(baseline: DayValue[]): number[] {
  const overall = median(baseline.map((d) => d.usd));
  return Array.from({ length: 7 }, (_, w) => {
    const values = baseline.filter((d) => weekday(d.day) === w).map((d) => d.usd);
    if (overall <= 0 || values.length === 0) return 1;
    return Math.max(median(values) / overall, MIN_WEEKDAY_FACTOR);
  });
}

export interface HourFinding {
  actual: number;
  expected: number;
  score: number;
  severity: Severity;
}

/** Hours need this many days of history before they are judged. */
export const MIN_HOUR_HISTORY = 7;

/**
 * One hour against the same hour on earlier days. Most hours of a small tenant are $0, so the
 * spread is floored at an average hour of the tenant's typical day (typicalDailyUsd / 24): an
 * hour must add more than `sensitivity` average hours of spend before it is a spike.
 */
export function hourlySpike(actual: number, sameHourHistory: number[], typicalDailyUsd: number, sensitivity: number): HourFinding | null {
  if (sameHourHistory.length < MIN_HOUR_HISTORY) return null;
  const r = robustScore(actual, sameHourHistory, { relative: 0.25, absolute: Math.max(typicalDailyUsd / 24, 0.01) });
  const severity = severityOf(r.score, sensitivity);
  return severity ? { actual, expected: r.expected, score: r.score, severity } : null;
}
