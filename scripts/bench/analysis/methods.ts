// The methods the backtest compares, each fed what it would see at the time of a decision:
// - tollgate: the app's own code — the job's input builder (forecastHistory over the rows
//   quotaDailySpend returns) and forecastPeriod; for anomalies the job's window (88 days read,
//   the last 60 judged) through analyzeDaily, every 30 days, findings kept (the job never deletes);
// - previous: the method before issue #14 (previous.ts);
// - classic: mean + 2σ of the trailing 28 days; forecast = spent + mean × days left ± z σ √days;
// - naive: run rate = spent so far / elapsed × period length (forecasts only).
import { mean, sampleStandardDeviation } from "simple-statistics";
import { money } from "../../../app/core/money.ts";
import { analyzeDaily, BASELINE_DAYS, type DayValue } from "../../../app/services/analysis/anomalies.ts";
import { forecastPeriod, HISTORY_DAYS, Z80, type ForecastInput, type ForecastMethod, FORECAST_METHOD } from "../../../app/services/analysis/forecast.ts";
import { LOOKBACK_DAYS } from "../../../app/services/analysis/job.server.ts";
import { forecastHistory, type DailySpend } from "../../../app/services/analysis/spend-series.server.ts";
import { previousDailyFlags, previousForecast } from "./previous.ts";

export const FORECAST_METHODS = ["tollgate", "previous", "classic", "naive"] as const;
export const ANOMALY_METHODS = ["tollgate", "previous", "classic"] as const;
export type ForecastMethodName = (typeof FORECAST_METHODS)[number];
export type AnomalyMethodName = (typeof ANOMALY_METHODS)[number];

const DAY_MS = 86_400_000;

export interface ForecastCase {
  series: DayValue[];
  /** Index of today: the decision is made at 00:00 UTC of that day (its spend is not known yet). */
  today: number;
  periodStart: number;
  /** Exclusive. */
  periodEnd: number;
  limit: number;
  sensitivity: number;
}

export interface ForecastOutcome {
  forecast: number;
  low: number | null;
  high: number | null;
  breach: boolean;
}

const dayMs = (c: ForecastCase, i: number) => Date.parse(`${c.series[0].day}T00:00:00Z`) + i * DAY_MS;
const spentBefore = (c: ForecastCase) => c.series.slice(c.periodStart, c.today).reduce((s, d) => s + d.usd, 0);

/**
 * What the job hands forecastPeriod for this case: the rows quotaDailySpend returns (days with
 * spend in [min(period start, today − 56 days), today], NUMERIC text), spent = their sum in the
 * period (the job prefers the usage row, which holds the same sum), history = forecastHistory.
 * analysis-inputs.test.ts checks this against the job's SQL on a real database.
 */
export function tollgateForecastInput(c: ForecastCase): ForecastInput {
  const from = Math.max(0, Math.min(c.periodStart, c.today - HISTORY_DAYS));
  const rows: DailySpend[] = c.series.slice(from, c.today).filter((d) => d.usd > 0).map((d) => ({ day: d.day, usd: d.usd.toFixed(10) }));
  const today = new Date(dayMs(c, c.today));
  return {
    now: today,
    periodStart: new Date(dayMs(c, c.periodStart)),
    periodEnd: new Date(dayMs(c, c.periodEnd)),
    limitUsd: money(c.limit.toFixed(6)),
    spentUsd: rows.filter((r) => r.day >= c.series[c.periodStart].day).reduce((s, r) => s.add(r.usd), money(0)),
    history: forecastHistory(rows, today, HISTORY_DAYS),
    sensitivity: c.sensitivity,
  };
}

export function forecastWith(name: ForecastMethodName, c: ForecastCase, tollgateMethod: ForecastMethod = FORECAST_METHOD): ForecastOutcome {
  const spent = spentBefore(c);
  const left = c.periodEnd - c.today;
  const elapsed = c.today - c.periodStart;
  switch (name) {
    case "tollgate": {
      const r = forecastPeriod(tollgateForecastInput(c), tollgateMethod);
      return { forecast: r.forecastUsd.toNumber(), low: r.lowUsd.toNumber(), high: r.highUsd.toNumber(), breach: r.breachAt !== null };
    }
    case "previous": {
      const recentDaily = Array.from({ length: 14 }, (_, k) => c.series[c.today - 14 + k]?.usd ?? 0);
      const r = previousForecast({ spent, remainingDays: left, elapsedDays: elapsed, recentDaily });
      return { forecast: r.forecast, low: r.low, high: r.high, breach: spent + r.rate * left >= c.limit && r.rate > 0 };
    }
    case "classic": {
      const window = Array.from({ length: BASELINE_DAYS }, (_, k) => c.series[c.today - BASELINE_DAYS + k]?.usd ?? 0);
      const m = mean(window);
      const half = Z80 * sampleStandardDeviation(window) * Math.sqrt(left);
      const forecast = spent + m * left;
      return { forecast, low: spent + Math.max(0, m * left - half), high: forecast + half, breach: forecast >= c.limit };
    }
    case "naive": {
      const forecast = elapsed > 0 ? (spent / elapsed) * (c.periodEnd - c.periodStart) : spent;
      return { forecast, low: null, high: null, breach: forecast >= c.limit };
    }
  }
}

/** Days flagged by each method over the whole series. */
export function anomalyFlags(name: AnomalyMethodName, series: DayValue[], sensitivity: number): Set<string> {
  switch (name) {
    case "tollgate": {
      // The job every 30 days: 88 days read, the last 60 judged; findings are never deleted.
      const out = new Set<string>();
      for (let today = 30; today <= series.length + 29; today += 30) {
        const end = Math.min(today, series.length);
        const window = series.slice(Math.max(0, end - (LOOKBACK_DAYS + BASELINE_DAYS)), end);
        const evaluateFrom = series[Math.max(0, end - LOOKBACK_DAYS)].day;
        for (const f of analyzeDaily(window, { sensitivity, evaluateFrom }).findings) out.add(f.day);
      }
      return out;
    }
    case "previous":
      return previousDailyFlags(series, sensitivity);
    case "classic": {
      const out = new Set<string>();
      for (let i = BASELINE_DAYS; i < series.length; i++) {
        const window = series.slice(i - BASELINE_DAYS, i).map((d) => d.usd);
        if (series[i].usd > mean(window) + 2 * sampleStandardDeviation(window)) out.add(series[i].day);
      }
      return out;
    }
  }
}
