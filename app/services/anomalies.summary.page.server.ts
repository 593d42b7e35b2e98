// The overview's summary of the anomaly findings: open findings per tenant.
import type pg from "pg";

const OVERVIEW_ANOMALY_TENANTS = 20;

/** A tenant's open (unreviewed) anomaly findings, summed up for the overview. */
export interface OpenAnomaliesOfTenant {
  tenantSlug: string;
  tenantName: string;
  open: number;
  /** How many of them are of high severity. */
  high: number;
  /** The newest finding: its day and hour (null for a daily finding). */
  latestDay: string;
  latestHour: number | null;
}

/**
 * Open findings per tenant, the tenants with the most high-severity findings first. Grouped
 * because one noisy tenant can have dozens of hourly spikes that would hide every other tenant.
 */
export async function openAnomaliesByTenant(q: pg.Pool | pg.PoolClient): Promise<OpenAnomaliesOfTenant[]> {
  const { rows } = await q.query(
    `SELECT t.slug, t.name, count(*)::int AS open, (count(*) FILTER (WHERE a.severity = 'high'))::int AS high,
            (array_agg(a.day::text ORDER BY a.day DESC, a.hour DESC))[1] AS latest_day,
            (array_agg(a.hour ORDER BY a.day DESC, a.hour DESC))[1] AS latest_hour
       FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id
      WHERE a.status = 'open'
      GROUP BY t.id
      ORDER BY high DESC, open DESC, t.name
      LIMIT $1`,
    [OVERVIEW_ANOMALY_TENANTS],
  );
  return rows.map((r) => ({
    tenantSlug: r.slug,
    tenantName: r.name,
    open: r.open,
    high: r.high,
    latestDay: r.latest_day,
    latestHour: r.latest_hour < 0 ? null : r.latest_hour,
  }));
}
