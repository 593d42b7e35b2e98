// What the analysis job found for ONE tenant, for its page: the forecast of each tenant quota
// for the current period (with the actual cumulative spend so far, for the chart) and the
// anomaly findings in the page's date range (listed, and marked on the spend timeline). The
// rows come from the analysis queries; the daily actuals are read here, as the row-level-
// security role scoped to the tenant, like the rest of the tenant page. All of it from the read
// replica (ADR 0013): what the job stored and what was spent, as of the replica's replay lag.
import { money, toDb } from "~/core/money.ts";
import { readPool } from "~/db/client.server.ts";
import { withTenantScope } from "~/db/transaction.server.ts";
import type { SpendRange } from "~/schemas/records.ts";
import { BASELINE_DAYS, MIN_HISTORY_DAYS } from "./analysis/anomalies.ts";
import { LOOKBACK_DAYS } from "./analysis/job.server.ts";
import { listAnomalies, listForecasts, type AnomalyView, type ForecastView } from "./analysis/queries.server.ts";

/** What the chart draws of a stored forecast (analysis/queries.server.ts's ForecastView). */
const SERIES_FIELDS = ["periodStart", "periodEnd", "computedAt", "limitUsd", "spentUsd", "forecastUsd", "lowUsd", "highUsd", "breachAt", "rateBasis"] as const;
/** What the tenant page shows of a stored forecast: the series and which quota it is. */
const TENANT_FORECAST_FIELDS = ["quotaId", "resource", "period", ...SERIES_FIELDS] as const;

/** A quota's forecast for its current period, with the actual cumulative spend so far (the chart's data). */
export interface ForecastSeries extends Pick<ForecastView, (typeof SERIES_FIELDS)[number]> {
  /** Cumulative spend of the quota's resource at the end of each whole day before computedAt's day. */
  actual: { at: string; cumulativeUsd: string }[];
}

export interface TenantForecast extends ForecastSeries, Pick<ForecastView, (typeof TENANT_FORECAST_FIELDS)[number]> {}

export type TenantAnomaly = AnomalyView;

const DAY_MS = 86_400_000;
const ORDER = { day: 0, week: 1, month: 2, llm: 0, sandbox: 1, all: 2 } as const;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function getTenantAnalysis(
  tenantId: string,
  range: SpendRange,
  now = new Date(),
): Promise<{ forecasts: TenantForecast[]; anomalies: TenantAnomaly[]; historyNote: HistoryNote | null }> {
  const [forecasts, anomalies, note] = await Promise.all([
    // The tenant's own quotas; user quotas would crowd the page (their page is the quotas page).
    listForecasts({ tenantId, now, pool: readPool() }).then((all) => all.filter((f) => f.scope === "tenant")),
    listAnomalies({ tenantId, from: range.from, to: range.to, limit: 200, pool: readPool() }),
    historyNote(tenantId, now),
  ]);
  const daily = forecasts.length ? await dailySpend(tenantId, forecasts, now) : [];
  return {
    forecasts: forecasts
      .map((f) => withActuals(f, daily))
      .sort((a, b) => ORDER[a.period] - ORDER[b.period] || ORDER[a.resource] - ORDER[b.resource]),
    anomalies,
    historyNote: note,
  };
}



/** Spend per day and resource from the earliest period start to today, read as the tenant (RLS). */
async function dailySpend(tenantId: string, forecasts: ForecastView[], now: Date): Promise<{ day: string; resource: string; usd: string }[]> {
  const earliest = Math.min(...forecasts.map((f) => Date.parse(f.periodStart)));
  return withTenantScope(tenantId, async (client) => {
    const { rows } = await client.query(
      `SELECT d.day::text AS day, r.resource, r.usd::text AS usd
         FROM spend_daily d CROSS JOIN LATERAL (VALUES ('llm', d.llm_usd), ('sandbox', d.sandbox_usd)) AS r(resource, usd)
        WHERE d.tenant_id = $1::uuid AND d.day >= $2::date AND d.day <= $3::date`,
      [tenantId, isoDay(earliest), isoDay(now.getTime())],
    );
    return rows;
  }, { pool: readPool() });
}

/** The anomaly page's "not enough history yet" note; null once the tenant has 28 days of history (or none). */
export interface HistoryNote {
  /** First day with spend within the analysis' window (YYYY-MM-DD). */
  firstDay: string;
  /** Days of history before a day is judged at all. */
  minDays: number;
  /** The first day that is judged. */
  judgedFrom: string;
}

/**
 * The analysis judges a day against the days since the series' first recorded one within the
 * window it reads (LOOKBACK + BASELINE days): fewer than MIN_HISTORY_DAYS → withheld, fewer than
 * BASELINE_DAYS → a wider band. This says so while it applies.
 */
async function historyNote(tenantId: string, now: Date): Promise<HistoryNote | null> {
  const today = Date.parse(isoDay(now.getTime()));
  const windowFrom = isoDay(today - (LOOKBACK_DAYS + BASELINE_DAYS) * DAY_MS);
  const first: string | null = await withTenantScope(tenantId, async (client) => {
    const { rows } = await client.query(
      `SELECT min(day)::text AS first FROM spend_daily WHERE tenant_id = $1::uuid AND day >= $2::date AND day < $3::date AND (llm_usd > 0 OR sandbox_usd > 0)`,
      [tenantId, windowFrom, isoDay(today)],
    );
    return rows[0].first;
  }, { pool: readPool() });
  if (first === null || first <= isoDay(today - BASELINE_DAYS * DAY_MS)) return null;
  return { firstDay: first, minDays: MIN_HISTORY_DAYS, judgedFrom: isoDay(Date.parse(`${first}T00:00:00Z`) + MIN_HISTORY_DAYS * DAY_MS) };
}

function withActuals(f: ForecastView, daily: { day: string; resource: string; usd: string }[]): TenantForecast {
  const computedDay = Date.parse(`${f.computedAt.slice(0, 10)}T00:00:00Z`);
  const actual: TenantForecast["actual"] = [];
  let sum = money(0);
  for (let day = Date.parse(f.periodStart); day < computedDay; day += DAY_MS) {
    for (const d of daily) {
      if (d.day === isoDay(day) && (f.resource === "all" || d.resource === f.resource)) sum = sum.add(d.usd);
    }
    actual.push({ at: new Date(day + DAY_MS).toISOString(), cumulativeUsd: toDb(sum) });
  }
  const shown = Object.fromEntries(TENANT_FORECAST_FIELDS.map((k) => [k, f[k]])) as Pick<ForecastView, (typeof TENANT_FORECAST_FIELDS)[number]>;
  return { ...shown, actual };
}
