// The analysis method as it was before the backtest (commit 7a7c540), frozen so every
// `npm run bench:analysis` measures today's method against it in the same run: a 28-day
// weekday-aware median/MAD baseline that counts the days before a tenant's first cost as $0
// days, and a forecast rate that is the 14-day linearly weighted mean of every day (flagged
// spikes included). Not used by the app.
import { median, medianAbsoluteDeviation, sampleStandardDeviation } from "simple-statistics";
import type { DayValue } from "../../../app/services/analysis/anomalies.ts";
import { Z80 } from "../../../app/services/analysis/forecast.ts";

const BASELINE_DAYS = 28;
const MIN_ACTIVE_DAYS = 14;
const RECENT_DAYS = 14;
const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

function weekdayFactors(baseline: DayValue[]): number[] {
  const overall = median(baseline.map((d) => d.usd));
  return Array.from({ length: 7 }, (_, w) => {
    const values = baseline.filter((d) => weekday(d.day) === w).map((d) => d.usd);
    if (overall <= 0 || values.length === 0) return 1;
    return Math.max(median(values) / overall, 0.1);
  });
}

/** Flagged days (score > sensitivity) of a dense series whose days before the first cost are 0. */
export function previousDailyFlags(series: DayValue[], sensitivity: number): Set<string> {
  const out = new Set<string>();
  for (let i = BASELINE_DAYS; i < series.length; i++) {
    const baseline = series.slice(i - BASELINE_DAYS, i);
    if (baseline.filter((d) => d.usd > 0).length < MIN_ACTIVE_DAYS) continue;
    const factor = weekdayFactors(baseline);
    const adjusted = baseline.map((d) => d.usd / factor[weekday(d.day)]);
    const f = factor[weekday(series[i].day)];
    const expected = median(adjusted) * f;
    const scale = Math.max(1.4826 * medianAbsoluteDeviation(adjusted) * f, 0.25 * expected, 1);
    if ((series[i].usd - expected) / scale > sensitivity) out.add(series[i].day);
  }
  return out;
}

/** Period-end forecast from the last 14 complete days (zeros before the first cost included). */
export function previousForecast(input: { spent: number; remainingDays: number; elapsedDays: number; recentDaily: number[] }) {
  const recent = input.recentDaily.slice(-RECENT_DAYS);
  let rate: number;
  let sigma: number;
  if (recent.length >= 2) {
    let sum = 0;
    let weights = 0;
    recent.forEach((v, i) => ((sum += v * (i + 1)), (weights += i + 1)));
    rate = sum / weights;
    sigma = sampleStandardDeviation(recent);
  } else {
    rate = recent.length === 1 ? recent[0] : input.elapsedDays >= 1 / 24 ? input.spent / input.elapsedDays : 0;
    sigma = rate;
  }
  const ahead = rate * input.remainingDays;
  const half = Z80 * sigma * Math.sqrt(input.remainingDays);
  return { forecast: input.spent + ahead, low: input.spent + Math.max(0, ahead - half), high: input.spent + ahead + half, rate };
}
