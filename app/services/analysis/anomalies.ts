// Anomaly detection on spend series (pure functions; the job feeds them from the rollups).
//
// Daily: each day is compared with the 28 days before it. Spend has a weekly rhythm, so the
// baseline is de-seasonalized first: a weekday factor = median of that weekday's 4 values /
// median of all 28 (floored at 0.1), every baseline value is divided by its factor, and the day
// is scored on the same scale with median/MAD. Medians of medians keep a few outliers in the
// baseline (an earlier spike) from inflating the expectation or the spread.
//
// Hourly: an hour of the last 24 against the same hour on the previous 14 days.
import { median, medianAbsoluteDeviation } from "simple-statistics";
import { MAD_SCALE, robustScore, severityOf, type Severity } from "./robust.ts";

export const BASELINE_DAYS = 28;
/** A baseline with fewer days of spend than this (a new tenant) is not judged. */
export const MIN_ACTIVE_DAYS = 14;
const MIN_WEEKDAY_FACTOR = 0.1;
/**
 * A day must be off by more than s × max(1.4826 × MAD, 25% of the median, $1): without the
 * floors a flat series (MAD = 0) would flag any cent of change, and tiny tenants (a few dollars
 * a day, one conversation more or less) would fill the list with findings nobody acts on.
 */
export const DAILY_FLOORS = { relative: 0.25, absolute: 1 };

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
    // Back on the day's own scale, so the dollar floor is in real dollars (on a quiet weekday a
    // de-seasonalized $1 would be a few cents).
    const f = factor[weekday(day)];
    const expected = median(adjusted) * f;
    const scale = Math.max(MAD_SCALE * medianAbsoluteDeviation(adjusted) * f, DAILY_FLOORS.relative * expected, DAILY_FLOORS.absolute);
    const score = (usd - expected) / scale;
    const severity = severityOf(score, opts.sensitivity);
    if (severity) out.push({ day, actual: usd, expected, score, severity });
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
 * One hour against the same hour on earlier days. Single hours are lumpy (one long agent run is
 * a lot of an hour), so the spread is floored at an eighth of the tenant's typical day (and $1):
 * at s = 2 an hour must add a quarter of a normal day's spend before it is a spike.
 */
export function hourlySpike(actual: number, sameHourHistory: number[], typicalDailyUsd: number, sensitivity: number): HourFinding | null {
  if (sameHourHistory.length < MIN_HOUR_HISTORY) return null;
  const r = robustScore(actual, sameHourHistory, { relative: 0.25, absolute: Math.max(typicalDailyUsd / 8, 1) });
  const severity = severityOf(r.score, sensitivity);
  return severity ? { actual, expected: r.expected, score: r.score, severity } : null;
}
