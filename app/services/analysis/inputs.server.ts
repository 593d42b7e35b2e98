// What the job reads: daily spend per tenant × resource (rollups), hourly spend of the recent
// days (cost_records, by time range only), and every enabled quota with its current usage row.
import { periodStart } from "~/core/index.ts";
import { denseDays, isoDay, type Queryable } from "./spend-series.server.ts";
import type { DayValue } from "./anomalies.ts";

export const HOUR_MS = 3_600_000;

export interface TenantResource {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  resource: "llm" | "sandbox";
}

/** Consecutive daily series in [from, to) for every tenant × resource with spend in that range. */
export async function readDailySeries(q: Queryable, from: Date, to: Date): Promise<{ key: TenantResource; series: DayValue[] }[]> {
  const { rows } = await q.query(
    `SELECT r.tenant_id, t.slug, t.name, r.resource::text AS resource, to_char(r.day, 'YYYY-MM-DD') AS day, sum(r.cost_usd)::text AS usd
       FROM spend_rollups r JOIN tenants t ON t.id = r.tenant_id
      WHERE r.day >= $1::date AND r.day < $2::date
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 4, 5`,
    [isoDay(from), isoDay(to)],
  );
  const groups = new Map<string, { key: TenantResource; rows: { day: string; usd: string }[] }>();
  for (const r of rows) {
    const id = `${r.tenant_id}:${r.resource}`;
    const g = groups.get(id) ?? groups.set(id, { key: { tenantId: r.tenant_id, tenantSlug: r.slug, tenantName: r.name, resource: r.resource }, rows: [] }).get(id)!;
    g.rows.push({ day: r.day, usd: r.usd });
  }
  return [...groups.values()].map((g) => ({ key: g.key, series: denseDays(g.rows, from, to).map((d) => ({ day: d.day, usd: Number(d.usd) })) }));
}

/**
 * Hourly spend in [from, to) per tenant × resource, keyed by the hour's epoch ms. Rollups are
 * daily, so this is the one read of raw cost_records: a time-range scan on the occurred_at
 * index, for the days the hourly baseline needs.
 */
export async function readHourly(q: Queryable, from: Date, to: Date): Promise<Map<string, Map<number, number>>> {
  const { rows } = await q.query(
    `SELECT tenant_id, resource::text AS resource, floor(extract(epoch FROM occurred_at) / 3600)::bigint::text AS hour, sum(cost_usd)::text AS usd
       FROM cost_records WHERE occurred_at >= $1 AND occurred_at < $2
      GROUP BY 1, 2, 3`,
    [from, to],
  );
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const id = `${r.tenant_id}:${r.resource}`;
    const m = out.get(id) ?? out.set(id, new Map()).get(id)!;
    // Hours since the epoch: independent of the session's time zone.
    m.set(Number(r.hour) * HOUR_MS, Number(r.usd));
  }
  return out;
}

/** A quota as the forecast reads it: its scope, limit and this period's booked spend. */
export interface ForecastQuota {
  id: string;
  scope: "platform" | "tenant" | "user";
  scopeId: string | null;
  tenantId: string | null;
  tenantSlug: string | null;
  tenantName: string | null;
  resource: "llm" | "sandbox" | "all";
  period: "day" | "week" | "month";
  limitUsd: string;
  /** The current period's QuotaUsage spent, when the row exists. */
  usageSpentUsd: string | null;
}

/** Per-user defaults (ADR 0016) are not forecast: they have a row per end user, not one spend to project. */
export async function readQuotas(q: Queryable, now: Date): Promise<ForecastQuota[]> {
  const { rows } = await q.query(
    `SELECT q.id, q.scope::text AS scope, q.scope_id AS "scopeId", q.tenant_id AS "tenantId", t.slug AS "tenantSlug", t.name AS "tenantName",
            q.resource::text AS resource, q.period::text AS period, q.limit_usd::text AS "limitUsd", u.spent_usd::text AS "usageSpentUsd"
       FROM quotas q LEFT JOIN tenants t ON t.id = q.tenant_id
       LEFT JOIN quota_usage_current u ON u.quota_id = q.id
        AND u.period_start = CASE q.period WHEN 'day' THEN $1::timestamptz WHEN 'week' THEN $2::timestamptz ELSE $3::timestamptz END
      WHERE q.enabled AND q.scope <> 'each_user' ORDER BY q.id`,
    [periodStart("day", now), periodStart("week", now), periodStart("month", now)],
  );
  return rows;
}
