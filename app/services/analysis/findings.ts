// From the job's inputs to finding rows: daily anomalies over the lookback window and hourly
// spikes of the last 24 complete hours, per tenant × resource.
import { median } from "simple-statistics";
import { dailyAnomalies, hourlySpike, MIN_HOUR_HISTORY, type DayValue } from "./anomalies.ts";
import { HOUR_MS, type TenantResource } from "./inputs.server.ts";
import type { Severity } from "./robust.ts";

export const HOURLY_HISTORY_DAYS = 14;
const DAY_MS = 86_400_000;

export interface Finding {
  key: TenantResource;
  day: string;
  /** null: a daily finding. */
  hour: number | null;
  actual: number;
  expected: number;
  score: number;
  severity: Severity;
}

export function findDaily(inputs: { key: TenantResource; series: DayValue[] }[], opts: { evaluateFrom: string; sensitivity: number }): Finding[] {
  return inputs.flatMap(({ key, series }) =>
    dailyAnomalies(series, opts).map((f) => ({ key, hour: null, ...f })),
  );
}

/**
 * Hours in [currentHour − 24 h, currentHour) against the same hour on the 14 days before. The
 * tenant's typical day (median of its last 14 days) sets the spread's floor; a tenant × resource
 * active on fewer than 7 of those days is too new to judge.
 */
export function findHourly(
  inputs: { key: TenantResource; series: DayValue[] }[],
  hourly: Map<string, Map<number, number>>,
  opts: { currentHour: number; sensitivity: number },
): Finding[] {
  const out: Finding[] = [];
  for (const { key, series } of inputs) {
    const hours = hourly.get(`${key.tenantId}:${key.resource}`);
    if (!hours) continue;
    const recent = series.slice(-HOURLY_HISTORY_DAYS).map((d) => d.usd);
    if (recent.filter((v) => v > 0).length < MIN_HOUR_HISTORY) continue;
    const typicalDaily = median(recent);
    for (let h = opts.currentHour - 24 * HOUR_MS; h < opts.currentHour; h += HOUR_MS) {
      const actual = hours.get(h) ?? 0;
      if (actual <= 0) continue;
      const history = Array.from({ length: HOURLY_HISTORY_DAYS }, (_, k) => hours.get(h - (k + 1) * DAY_MS) ?? 0);
      const spike = hourlySpike(actual, history, typicalDaily, opts.sensitivity);
      if (spike) out.push({ key, day: new Date(h).toISOString().slice(0, 10), hour: new Date(h).getUTCHours(), ...spike });
    }
  }
  return out;
}
