// What the analysis job found, for the staff overview: open anomaly findings and quotas whose
// forecast for the current period crosses the limit before the period ends. Reads the rows the
// job writes (anomaly_findings, forecasts); money leaves as exact decimal strings.
import type pg from "pg";
import type { periodBounds } from "./overview.server.ts";

type Queryable = pg.Pool | pg.PoolClient;
type Bounds = ReturnType<typeof periodBounds>;

export interface OpenAnomaly {
  id: string;
  tenantSlug: string;
  tenantName: string;
  resource: "llm" | "sandbox" | "all";
  day: string;
  /** 0–23 for an hourly spike, null for a daily anomaly. */
  hour: number | null;
  actualUsd: string;
  expectedUsd: string;
  score: number;
  severity: string;
}

export interface ForecastBreach {
  quotaId: string;
  /** Null for a platform-wide quota. */
  tenantSlug: string | null;
  tenantName: string | null;
  scope: "platform" | "tenant" | "user";
  scopeId: string | null;
  resource: "llm" | "sandbox" | "all";
  period: "day" | "week" | "month";
  limitUsd: string;
  spentUsd: string;
  forecastUsd: string;
  breachAt: string;
  computedAt: string;
}

/** Open findings, newest day first, the strongest first within a day. */
export async function listOpenAnomalies(q: Queryable, limit = 10): Promise<{ total: number; rows: OpenAnomaly[] }> {
  const [list, count] = await Promise.all([
    q.query(
      `SELECT f.id, t.slug, t.name, f.resource, f.day::text AS day, f.hour, f.actual_usd::text AS actual_usd,
              f.expected_usd::text AS expected_usd, f.score, f.severity
         FROM anomaly_findings f JOIN tenants t ON t.id = f.tenant_id
        WHERE f.status = 'open'
        ORDER BY f.day DESC, f.score DESC, f.id
        LIMIT $1`,
      [limit],
    ),
    q.query(`SELECT count(*)::int AS n FROM anomaly_findings WHERE status = 'open'`),
  ]);
  return {
    total: count.rows[0].n,
    rows: list.rows.map((r) => ({
      id: r.id,
      tenantSlug: r.slug,
      tenantName: r.name,
      resource: r.resource,
      day: r.day,
      hour: r.hour < 0 ? null : r.hour,
      actualUsd: r.actual_usd,
      expectedUsd: r.expected_usd,
      score: r.score,
      severity: r.severity,
    })),
  };
}

/**
 * Enabled quotas whose latest forecast for the CURRENT period predicts a breach before the
 * period ends, soonest first. Forecasts of past periods are history, not a warning.
 */
export async function listForecastBreaches(q: Queryable, b: Bounds, limit = 10): Promise<ForecastBreach[]> {
  const { rows } = await q.query(
    `SELECT f.quota_id, t.slug, t.name, q.scope, q.scope_id, q.resource, q.period, f.limit_usd::text AS limit_usd,
            f.spent_usd::text AS spent_usd, f.forecast_usd::text AS forecast_usd, f.breach_at, f.computed_at
       FROM forecasts f
       JOIN quotas q ON q.id = f.quota_id
       LEFT JOIN tenants t ON t.id = q.tenant_id
       CROSS JOIN LATERAL (SELECT (CASE q.period WHEN 'day' THEN $1::date WHEN 'week' THEN $2::date ELSE $3::date END
                                   )::timestamp AT TIME ZONE 'UTC' AS start,
                                  (CASE q.period WHEN 'day' THEN $4::date WHEN 'week' THEN $5::date ELSE $6::date END
                                   )::timestamp AT TIME ZONE 'UTC' AS stop) p
      WHERE q.enabled AND f.period_start = p.start AND f.breach_at IS NOT NULL AND f.breach_at < p.stop
      ORDER BY f.breach_at, t.name NULLS FIRST
      LIMIT $7`,
    [b.day.start, b.week.start, b.month.start, b.day.end, b.week.end, b.month.end, limit],
  );
  return rows.map((r) => ({
    quotaId: r.quota_id,
    tenantSlug: r.slug,
    tenantName: r.name,
    scope: r.scope,
    scopeId: r.scope_id,
    resource: r.resource,
    period: r.period,
    limitUsd: r.limit_usd,
    spentUsd: r.spent_usd,
    forecastUsd: r.forecast_usd,
    breachAt: r.breach_at.toISOString(),
    computedAt: r.computed_at.toISOString(),
  }));
}
