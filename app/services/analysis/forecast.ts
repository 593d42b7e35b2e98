// Period-end forecast of a quota's spend (pure). The daily rate is a linearly weighted mean of
// the last complete days (the newest counts most), so a recent change of pace shows within days
// without one noisy day swinging the forecast. The 80% interval treats the remaining days as
// independent draws with the recent days' spread: ±z(0.9) × σ_daily × √(days remaining).
import { sampleStandardDeviation } from "simple-statistics";
import { money, type Money } from "~/core/money.ts";

export const RECENT_DAYS = 14;
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
  /** Spend of the most recent complete days, oldest first (only the last RECENT_DAYS are used). */
  recentDaily: number[];
}

export interface ForecastResult {
  forecastUsd: Money;
  lowUsd: Money;
  highUsd: Money;
  /** When cumulative spend is projected to reach the limit; null if not before the period ends. */
  breachAt: Date | null;
  dailyRateUsd: number;
}

export function forecastPeriod(input: ForecastInput): ForecastResult {
  const { now, periodStart, periodEnd, spentUsd } = input;
  const recent = input.recentDaily.slice(-RECENT_DAYS);
  const remainingDays = Math.max(0, (periodEnd.getTime() - now.getTime()) / DAY_MS);
  let rate: number;
  let sigma: number;
  if (recent.length >= 2) {
    rate = weightedMean(recent);
    sigma = sampleStandardDeviation(recent);
  } else {
    // No history (a new scope): the pace of the period so far, with a spread as large as the rate.
    const elapsedDays = (now.getTime() - periodStart.getTime()) / DAY_MS;
    rate = recent.length === 1 ? recent[0] : elapsedDays >= 1 / 24 ? spentUsd.toNumber() / elapsedDays : 0;
    sigma = rate;
  }
  const ahead = rate * remainingDays;
  const half = Z80 * sigma * Math.sqrt(remainingDays);
  const usd = (x: number) => money(x.toFixed(10));
  const forecastUsd = spentUsd.add(usd(ahead));
  const lowUsd = spentUsd.add(usd(Math.max(0, ahead - half)));
  const highUsd = spentUsd.add(usd(ahead + half));
  return { forecastUsd, lowUsd, highUsd, breachAt: breachTime(input, rate), dailyRateUsd: rate };
}

function breachTime({ now, periodEnd, limitUsd, spentUsd }: ForecastInput, rate: number): Date | null {
  // Already at the limit: the breach is now (a hard quota is denying from here on).
  if (spentUsd.gte(limitUsd)) return now;
  if (rate <= 0) return null;
  const days = limitUsd.sub(spentUsd).toNumber() / rate;
  const at = new Date(now.getTime() + Math.round(days * DAY_MS));
  return at < periodEnd ? at : null;
}

/** Weights 1, 2, …, n from the oldest to the newest value. */
export function weightedMean(values: number[]): number {
  let sum = 0;
  let weights = 0;
  values.forEach((v, i) => {
    sum += v * (i + 1);
    weights += i + 1;
  });
  return weights ? sum / weights : 0;
}
