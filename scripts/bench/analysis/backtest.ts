// Scores every method on every generated series: forecasts at 21, 14 and 7 days before each
// calendar month ends (absolute percentage error of the period-end spend, 80% interval
// coverage), breach predictions every BREACH_STEP days of each month against a limit drawn per
// month (precision, recall, lead time), and daily anomaly flags against the labelled events.
import { Random } from "../../../prisma/seed/random.ts";
import { ANOMALY_METHODS, anomalyFlags, FORECAST_METHODS, forecastWith, type AnomalyMethodName, type ForecastMethodName } from "./methods.ts";
import { CLEAN_FAMILIES, generateSeries, SPIKE_SIZES, type Family, type GeneratedSeries } from "./series.ts";
import type { ForecastMethod } from "../../../app/services/analysis/forecast.ts";

export const DAYS_LEFT = [21, 14, 7] as const;
/** Breach predictions are checked every this many days of a month. */
export const BREACH_STEP = 3;
/** Forecasts need history before the month: months starting before this day index are not scored. */
const FIRST_MONTH_FROM = 56;
/** Anomalies: days before this index are not scored (every method has a full baseline). */
const SCORE_FROM = 56;
const MONTH_DAYS = 30.4375;

interface Tally {
  ape: Record<number, number[]>;
  covered: number;
  intervals: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  leads: number[];
}

interface AnomalyTally {
  /** By size: labelled events, events with a flag on one of their days, flags on labelled days, all flags. */
  bySize: Record<number, { events: number; found: number; tpFlags: number; flags: number }>;
  flags: number;
  falseFlags: number;
  days: number;
  /** New tenants: flags in the first 28 days of history, and those days. */
  newFlags: number;
  newDays: number;
  /** Level shifts: flags after the shift's first 3 days, per shift. */
  afterShift: number[];
}

export interface FamilyResult {
  family: Family;
  series: number;
  forecasts: Partial<Record<ForecastMethodName, ForecastFigures>>;
  anomalies: Partial<Record<AnomalyMethodName, AnomalyFigures>>;
}

export interface ForecastFigures {
  /** Mean absolute percentage error of the period-end spend (%), by days left. */
  ape7: number | null;
  ape14: number | null;
  ape21: number | null;
  /** Share of period-end spends inside the 80% interval (%), over all three horizons. */
  coverage80: number | null;
  breachPrecision: number | null;
  breachRecall: number | null;
  /** Median days between the first of an unbroken run of breach predictions and the breach. */
  leadDays: number | null;
}

export interface AnomalyFigures {
  /** Per spike size: precision, recall, F1 (null: no such events in this family). */
  bySize: Record<string, { precision: number | null; recall: number | null; f1: number | null; events: number }>;
  /** Unlabelled flags per 100 tenant-months (days ≥ 56). */
  fpPer100TenantMonths: number;
  /** New tenants: flags in their first 28 days, per 100 tenant-months. */
  newTenantFpPer100TenantMonths: number | null;
  /** Level shifts: mean days flagged after the shift's first 3 days. */
  alertDaysAfterShift: number | null;
}

const r = (x: number, digits = 1) => Number(x.toFixed(digits));
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const pct = (a: number, b: number) => (b > 0 ? r((100 * a) / b) : null);
const avg = (xs: number[]) => (xs.length ? r(xs.reduce((s, x) => s + x, 0) / xs.length, 1) : null);
const medianOf = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return r(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, 1);
};

/** Calendar months [start, end) of the series, as day indices. */
function months(series: GeneratedSeries): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let i = 1; i < series.days.length; i++) {
    if (!series.days[i].day.endsWith("-01")) continue;
    const next = series.days.findIndex((d, j) => j > i && d.day.endsWith("-01"));
    if (next > 0 && i >= FIRST_MONTH_FROM) out.push({ start: i, end: next });
  }
  return out;
}

function scoreForecasts(s: GeneratedSeries, name: ForecastMethodName, t: Tally, sensitivity: number, tollgate?: ForecastMethod) {
  const rnd = new Random(`analysis-backtest:limit:${s.family}:${s.seed}`);
  for (const m of months(s)) {
    const total = s.days.slice(m.start, m.end).reduce((sum, d) => sum + d.usd, 0);
    const limit = total * rnd.between(0.7, 1.3);
    if (total <= 0) continue;
    const base = { series: s.days, periodStart: m.start, periodEnd: m.end, limit, sensitivity };
    for (const left of DAYS_LEFT) {
      const today = m.end - left;
      if (today <= s.historyStart) continue;
      const f = forecastWith(name, { ...base, today }, tollgate);
      (t.ape[left] ??= []).push((100 * Math.abs(f.forecast - total)) / total);
      if (f.low !== null && f.high !== null) {
        t.intervals++;
        if (f.low <= total && total <= f.high) t.covered++;
      }
    }
    // Breach decisions: every BREACH_STEP days while the spend so far is under the limit.
    let cumulative = 0;
    let breachDay: number | null = null;
    for (let i = m.start; i < m.end; i++) {
      cumulative += s.days[i].usd;
      if (cumulative >= limit) {
        breachDay = i;
        break;
      }
    }
    let run: number | null = null;
    for (let today = m.start + 1; today < m.end; today += BREACH_STEP) {
      if (breachDay !== null && today > breachDay) break;
      if (today <= s.historyStart) continue;
      const predicted = forecastWith(name, { ...base, today }, tollgate).breach;
      const actual = breachDay !== null;
      if (predicted && actual) t.tp++;
      else if (predicted) t.fp++;
      else if (actual) t.fn++;
      else t.tn++;
      run = predicted ? (run ?? today) : null;
    }
    if (breachDay !== null) t.leads.push(run === null ? 0 : breachDay + 1 - run);
  }
}

function scoreAnomalies(s: GeneratedSeries, name: AnomalyMethodName, t: AnomalyTally, sensitivity: number) {
  const flags = anomalyFlags(name, s.days, sensitivity);
  const labelled = new Set(s.events.flatMap((e) => e.days));
  for (const e of s.events) {
    if (e.kind === "shift") continue;
    const b = (t.bySize[e.size] ??= { events: 0, found: 0, tpFlags: 0, flags: 0 });
    b.events++;
    if (e.days.some((d) => flags.has(d))) b.found++;
  }
  const size = s.events.find((e) => e.kind !== "shift")?.size;
  for (let i = 0; i < s.days.length; i++) {
    const day = s.days[i].day;
    const flagged = flags.has(day);
    if (i >= s.historyStart && i < s.historyStart + 28 && s.family === "new-tenant") {
      t.newDays++;
      if (flagged) t.newFlags++;
    }
    if (i < SCORE_FROM || (s.family === "new-tenant" && i < s.historyStart + 28)) continue;
    t.days++;
    if (!flagged) continue;
    t.flags++;
    if (!labelled.has(day)) t.falseFlags++;
    if (size !== undefined) {
      t.bySize[size].flags++;
      if (labelled.has(day)) t.bySize[size].tpFlags++;
    }
  }
  const shift = s.events.find((e) => e.kind === "shift");
  if (shift) {
    const after = s.days.filter((d) => d.day > shift.days[shift.days.length - 1] && flags.has(d.day)).length;
    t.afterShift.push(after);
  }
}

export interface BacktestOptions {
  families: readonly Family[];
  seeds: number;
  sensitivity: number;
  /** Override the app's forecast constants (for choosing them; the report uses the app's). */
  tollgate?: ForecastMethod;
  forecastMethods?: readonly ForecastMethodName[];
  anomalyMethods?: readonly AnomalyMethodName[];
  progress?: (family: Family, done: number, total: number) => void;
}

export function runBacktest(o: BacktestOptions): FamilyResult[] {
  const fm = o.forecastMethods ?? FORECAST_METHODS;
  const am = o.anomalyMethods ?? ANOMALY_METHODS;
  return o.families.map((family) => {
    const tallies = new Map(fm.map((n) => [n, { ape: {}, covered: 0, intervals: 0, tp: 0, fp: 0, fn: 0, tn: 0, leads: [] } as Tally]));
    const anomalyTallies = new Map(am.map((n) => [n, { bySize: {}, flags: 0, falseFlags: 0, days: 0, newFlags: 0, newDays: 0, afterShift: [] } as AnomalyTally]));
    for (let seed = 1; seed <= o.seeds; seed++) {
      const s = generateSeries(family, seed);
      for (const n of fm) scoreForecasts(s, n, tallies.get(n)!, o.sensitivity, o.tollgate);
      for (const n of am) scoreAnomalies(s, n, anomalyTallies.get(n)!, o.sensitivity);
      o.progress?.(family, seed, o.seeds);
    }
    const result: FamilyResult = { family, series: o.seeds, forecasts: {}, anomalies: {} };
    for (const [n, t] of tallies) {
      const precision = ratio(t.tp, t.tp + t.fp);
      const recall = ratio(t.tp, t.tp + t.fn);
      result.forecasts[n] = {
        ape7: avg(t.ape[7] ?? []), ape14: avg(t.ape[14] ?? []), ape21: avg(t.ape[21] ?? []),
        coverage80: pct(t.covered, t.intervals),
        breachPrecision: precision === null ? null : r(precision, 3),
        breachRecall: recall === null ? null : r(recall, 3),
        leadDays: medianOf(t.leads),
      };
    }
    for (const [n, t] of anomalyTallies) {
      const bySize: AnomalyFigures["bySize"] = {};
      for (const size of SPIKE_SIZES) {
        const b = t.bySize[size];
        if (!b || b.events === 0) continue;
        const precision = ratio(b.tpFlags, b.flags);
        const recall = ratio(b.found, b.events)!;
        const f1 = precision !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
        bySize[`${size}x`] = { precision: precision === null ? null : r(precision, 3), recall: r(recall, 3), f1: f1 === null ? null : r(f1, 3), events: b.events };
      }
      result.anomalies[n] = {
        bySize,
        fpPer100TenantMonths: r((100 * MONTH_DAYS * t.falseFlags) / Math.max(1, t.days), 2),
        newTenantFpPer100TenantMonths: t.newDays ? r((100 * MONTH_DAYS * t.newFlags) / t.newDays, 2) : null,
        alertDaysAfterShift: avg(t.afterShift),
      };
    }
    return result;
  });
}

export { CLEAN_FAMILIES };
