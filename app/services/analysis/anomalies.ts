// Anomaly detection on spend series (pure functions; the job feeds them from the rollups).
//
// Daily: each day is compared with the days before it — at most 28, never before the series'
// first recorded day (a new tenant's earlier days are not $0 days: counting them halved its
// expected spend and flagged ordinary weekdays "high" for its first weeks). Spend has a weekly
// rhythm, so the baseline is de-seasonalized first: a weekday factor = median of that weekday's
// values / median of all (floored at 0.1), every baseline value is divided by its factor, and the
// day is scored on the same scale with median/MAD. Medians keep a few outliers in the baseline
// (an earlier spike) from inflating the expectation or the spread.
//
// Too little history: with fewer than MIN_HISTORY_DAYS recorded days the verdict is withheld
// ("not enough history yet"); from there to 28 days the band is widened by √(28 / days).
//
// Level shifts: SHIFT_DAYS consecutive days beyond the band on the same side start a new normal.
// From then on the baseline is the days since the shift (weekday factors kept from before it),
// so a tenant that doubles its usage for good is flagged on its first days, not every day for
// the four weeks it takes a 28-day median to catch up. See docs/adr/0005.
//
// Hourly: an hour of the last 24 against the same hour on the previous 14 days.
import { median, medianAbsoluteDeviation } from "simple-statistics";
import { robustScore, severityOf, MAD_SCALE, type Severity } from "./robust.ts";

export const BASELINE_DAYS = 28;
/** A series with fewer recorded days than this (since its first one, or since a level shift) is not judged. */
export const MIN_HISTORY_DAYS = 14;
/** Consecutive days beyond the band, on one side, that make a new normal. */
export const SHIFT_DAYS = 3;
/** After a shift, days below this share of the level count towards a shift back down. */
const SHIFT_DOWN_RATIO = 0.5;
const MIN_WEEKDAY_FACTOR = 0.1;
const RECENT_LEVEL_DAYS = 7;
/**
 * A day must be off by more than s × max(2 × 1.4826 × MAD, 50% of the expected day, $1). The MAD
 * of 28 de-seasonalized days understates the real day-to-day error (weekday factors of four
 * values each, heavy tails): with 1× MAD and a 25% floor the backtest flagged 60 clean days per
 * 100 tenant-months; 2× and 50% flag none on steady series and still find every spike of 3× and
 * more (docs/adr/0005). At s = 2 a finding is at least twice the expected day. The $1 floor keeps
 * tiny tenants (cents a day, one conversation more or less) out of the list.
 */
export const DAILY_FLOORS = { relative: 0.5, absolute: 1 };
/** The spread's multiple of the MAD estimate (see above); mutable only for the backtest's search. */
export const DAILY_SPREAD = { madScale: 2, relative: DAILY_FLOORS.relative };

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

export interface DailyAnalysis {
  findings: DailyFinding[];
  /** Days (on or after evaluateFrom) not judged for want of history. */
  withheld: string[];
  /** First days of recognised new levels (level shifts), oldest first. */
  shifts: string[];
  /** Flagged days that began a recognised new level: real news, but the new normal, not an excess. */
  shiftDays: Set<string>;
  /** The series' first recorded day (null: none). */
  firstDay: string | null;
}

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

/** Index of the first day with spend (series.length when none). */
export function firstRecordedIndex(series: DayValue[]): number {
  const i = series.findIndex((d) => d.usd > 0);
  return i < 0 ? series.length : i;
}

/**
 * Judges every day of `series` (consecutive days, missing days as 0; days before the first one
 * with spend are not history). Findings and withheld days are reported from `evaluateFrom` on;
 * earlier days are still walked, so a level shift before it is known.
 */
export function analyzeDaily(series: DayValue[], opts: { sensitivity: number; evaluateFrom?: string }): DailyAnalysis {
  const out: DailyAnalysis = { findings: [], withheld: [], shifts: [], shiftDays: new Set(), firstDay: null };
  const first = firstRecordedIndex(series);
  if (first >= series.length) return out;
  out.firstDay = series[first].day;
  // Consecutive days: weekday i = weekday 0 + i (parsing dates in the loop was most of the time).
  const w0 = weekday(series[0].day);
  const weekdayOf = series.map((_, i) => (w0 + i) % 7);
  const spend = series.map((d) => d.usd);
  let levelStart = first;
  let frozenFactors: number[] | null = null; // weekday factors from before a shift, until the new level has its own
  let run: { side: 1 | -1; from: number; flagged: DailyFinding[] } | null = null;
  for (let i = first; i < series.length; i++) {
    const { day, usd } = series[i];
    const report = !opts.evaluateFrom || day >= opts.evaluateFrom;
    const from = Math.max(i - BASELINE_DAYS, levelStart);
    const n = i - from;
    const shifted = levelStart > first;
    if (n < (shifted ? SHIFT_DAYS : MIN_HISTORY_DAYS)) {
      if (report && !shifted) out.withheld.push(day);
      continue;
    }
    const values = spend.slice(from, i);
    const weekdays = weekdayOf.slice(from, i);
    if (frozenFactors && n >= MIN_HISTORY_DAYS) frozenFactors = null;
    const factor: number[] = frozenFactors ?? factorsOf(values, weekdays);
    const adjusted = values.map((v, k) => v / factor[weekdays[k]]);
    // Back on the day's own scale, so the dollar floor is in real dollars (on a quiet weekday a
    // de-seasonalized $1 would be a few cents).
    const f = factor[weekdayOf[i]];
    // The last week's median as well: under growth a 28-day median lags two weeks behind, and
    // the higher of the two keeps growing tenants from being flagged for growing.
    const expected = Math.max(median(adjusted), median(adjusted.slice(-RECENT_LEVEL_DAYS))) * f;
    const widen = Math.sqrt(BASELINE_DAYS / n);
    const scale = Math.max(DAILY_SPREAD.madScale * MAD_SCALE * medianAbsoluteDeviation(adjusted) * f, DAILY_SPREAD.relative * expected, DAILY_FLOORS.absolute) * widen;
    const score = (usd - expected) / scale;
    const severity = severityOf(score, opts.sensitivity);
    const finding = severity ? { day, actual: usd, expected, score, severity } : null;
    if (finding && report) out.findings.push(finding);

    // A run of days beyond the band on one side. Upward runs start a new level anywhere; a run
    // below half the level only ends a level that a shift began (an incident that stopped),
    // because a few quiet days of an old tenant (a holiday) are not a new normal. (Below: a ratio,
    // since the 50% floor makes a z under −2 impossible — spend cannot fall below $0.)
    const side: 1 | -1 | 0 = score > opts.sensitivity ? 1 : shifted && usd < expected * SHIFT_DOWN_RATIO ? -1 : 0;
    if (side === 0) run = null;
    else if (!run || run.side !== side) run = { side, from: i, flagged: finding ? [finding] : [] };
    else if (finding) run.flagged.push(finding);
    if (run && i - run.from + 1 >= SHIFT_DAYS) {
      frozenFactors = factor;
      levelStart = run.from;
      out.shifts.push(series[run.from].day);
      for (const f of run.flagged) out.shiftDays.add(f.day);
      run = null;
    }
  }
  return out;
}

/** The findings of analyzeDaily (see there). */
export function dailyAnomalies(series: DayValue[], opts: { sensitivity: number; evaluateFrom?: string }): DailyFinding[] {
  return analyzeDaily(series, opts).findings;
}

/** factor[0..6] (Sunday = 0): how that weekday's spend compares with the baseline's median day. */
export function weekdayFactors(baseline: DayValue[]): number[] {
  return factorsOf(baseline.map((d) => d.usd), baseline.map((d) => weekday(d.day)));
}

function factorsOf(values: number[], weekdays: number[]): number[] {
  const overall = median(values);
  const byWeekday: number[][] = [[], [], [], [], [], [], []];
  values.forEach((v, k) => byWeekday[weekdays[k]].push(v));
  return byWeekday.map((xs) => (overall <= 0 || xs.length === 0 ? 1 : Math.max(median(xs) / overall, MIN_WEEKDAY_FACTOR)));
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
