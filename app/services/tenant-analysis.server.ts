// What the analysis job found for ONE tenant, for its page: the forecast of each tenant quota
// for the current period (with the actual cumulative spend so far, for the chart) and the
// anomaly findings in the page's date range (listed, and marked on the spend timeline).
// Read as the row-level-security role scoped to the tenant, like the rest of the tenant page.
import type pg from "pg";
import { money, toDb } from "~/core/money.ts";
import { dbPool } from "~/db/client.server.ts";
import type { SpendRange } from "~/schemas/records.ts";
import { periodBounds } from "./overview.server.ts";

type Resource = "llm" | "sandbox" | "all";
type Period = "day" | "week" | "month";

export interface TenantForecast {
  quotaId: string;
  resource: Resource;
  period: Period;
  periodStart: string;
  periodEnd: string;
  computedAt: string;
  limitUsd: string;
  spentUsd: string;
  forecastUsd: string;
  lowUsd: string;
  highUsd: string;
  breachAt: string | null;
  /** Cumulative spend of the quota's resource at the end of each whole day before computedAt's day. */
  actual: { at: string; cumulativeUsd: string }[];
}

export interface TenantAnomaly {
  id: string;
  day: string;
  /** 0–23 for an hourly spike, null for a daily anomaly. */
  hour: number | null;
  resource: Resource;
  actualUsd: string;
  expectedUsd: string;
  score: number;
  severity: string;
  status: "open" | "acknowledged" | "dismissed";
}

const DAY_MS = 86_400_000;
const ORDER = { day: 0, week: 1, month: 2, llm: 0, sandbox: 1, all: 2 } as const;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function periodEnd(start: Date, period: Period): Date {
  if (period === "day") return new Date(start.getTime() + DAY_MS);
  if (period === "week") return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

export async function getTenantAnalysis(
  tenantId: string,
  range: SpendRange,
  now = new Date(),
): Promise<{ forecasts: TenantForecast[]; anomalies: TenantAnomaly[] }> {
  const client = await dbPool().connect();
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SET LOCAL ROLE tollgate_tenant");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    const forecasts = await tenantForecasts(client, tenantId, now);
    const anomalies = await tenantAnomalies(client, tenantId, range);
    await client.query("COMMIT");
    return { forecasts, anomalies };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The latest forecast of each enabled tenant-scope quota for the period containing `now`. */
async function tenantForecasts(q: pg.PoolClient, tenantId: string, now: Date): Promise<TenantForecast[]> {
  const b = periodBounds(now);
  const { rows } = await q.query(
    `SELECT f.quota_id, q.resource, q.period, f.period_start, f.computed_at, f.breach_at,
            f.limit_usd::text AS limit_usd, f.spent_usd::text AS spent_usd, f.forecast_usd::text AS forecast_usd,
            f.low_usd::text AS low_usd, f.high_usd::text AS high_usd
       FROM forecasts f JOIN quotas q ON q.id = f.quota_id
      WHERE q.tenant_id = $1::uuid AND q.scope = 'tenant' AND q.enabled
        AND f.period_start = (CASE q.period WHEN 'day' THEN $2::date WHEN 'week' THEN $3::date ELSE $4::date END
                             )::timestamp AT TIME ZONE 'UTC'`,
    [tenantId, b.day.start, b.week.start, b.month.start],
  );
  if (rows.length === 0) return [];
  const earliest = Math.min(...rows.map((r) => r.period_start.getTime()));
  const daily = await q.query(
    `SELECT day::text AS day, resource::text AS resource, sum(cost_usd)::text AS usd
       FROM spend_rollups WHERE tenant_id = $1::uuid AND day >= $2::date AND day <= $3::date
      GROUP BY day, resource`,
    [tenantId, isoDay(earliest), b.day.start],
  );
  return rows
    .map((r): TenantForecast => {
      const start: Date = r.period_start;
      const computedDay = Date.parse(`${isoDay(r.computed_at.getTime())}T00:00:00Z`);
      const actual: TenantForecast["actual"] = [];
      let sum = money(0);
      for (let day = start.getTime(); day < computedDay; day += DAY_MS) {
        for (const d of daily.rows) {
          if (d.day === isoDay(day) && (r.resource === "all" || d.resource === r.resource)) sum = sum.add(d.usd);
        }
        actual.push({ at: new Date(day + DAY_MS).toISOString(), cumulativeUsd: toDb(sum) });
      }
      return {
        quotaId: r.quota_id,
        resource: r.resource,
        period: r.period,
        periodStart: start.toISOString(),
        periodEnd: periodEnd(start, r.period).toISOString(),
        computedAt: r.computed_at.toISOString(),
        limitUsd: r.limit_usd,
        spentUsd: r.spent_usd,
        forecastUsd: r.forecast_usd,
        lowUsd: r.low_usd,
        highUsd: r.high_usd,
        breachAt: r.breach_at ? r.breach_at.toISOString() : null,
        actual,
      };
    })
    .sort((a, c) => ORDER[a.period] - ORDER[c.period] || ORDER[a.resource] - ORDER[c.resource]);
}

/** Findings on days of the range, newest first (every status: the page shows the review too). */
async function tenantAnomalies(q: pg.PoolClient, tenantId: string, range: SpendRange): Promise<TenantAnomaly[]> {
  const { rows } = await q.query(
    `SELECT id, day::text AS day, hour, resource, actual_usd::text AS actual_usd, expected_usd::text AS expected_usd,
            score, severity, status
       FROM anomaly_findings
      WHERE tenant_id = $1::uuid AND day >= $2::date AND day <= $3::date
      ORDER BY day DESC, hour DESC, resource
      LIMIT 200`,
    [tenantId, range.from, range.to],
  );
  return rows.map((r) => ({
    id: r.id,
    day: r.day,
    hour: r.hour < 0 ? null : r.hour,
    resource: r.resource,
    actualUsd: r.actual_usd,
    expectedUsd: r.expected_usd,
    score: r.score,
    severity: r.severity,
    status: r.status,
  }));
}
