// The anomalies page (admin, ops): findings filtered by status, tenant and resource, newest
// first (a day's hourly spikes, latest hour first, before its daily finding; the highest score
// first within an hour), keyset-paged with the cursor in the URL. Reviews go through
// setAnomalyStatus (audited in the same transaction). The overview's summary of the same
// findings (open ones per tenant) is here too.
import type pg from "pg";
import { z } from "zod";
import { dbPool } from "~/db/client.server.ts";
import type { AnomalyFilters } from "~/schemas/anomalies.ts";
import { encodePageCursor, type PageRequest } from "~/schemas/page-cursor.ts";
import { ANOMALY_COLUMNS, anomalyView, type AnomalyView } from "./analysis/queries.server.ts";
import { descendingKeyset, readKeysetPage, type KeysetPage } from "./keyset-page.ts";

export type FindingRow = AnomalyView;

/** Findings per page; the count says how many matched in all. */
export const FINDINGS_PAGE_SIZE = 50;

/** A position in the list: the finding's day, hour (-1: the whole day), score and id. */
export interface FindingCursor {
  d: string;
  h: number;
  s: number;
  i: string;
}
export const findingCursor = z.object({ d: z.iso.date(), h: z.int().min(-1).max(23), s: z.number(), i: z.uuid() });

const KEYS = [
  { column: "a.day", cast: "date" },
  { column: "a.hour", cast: "int" },
  { column: "a.score", cast: "float8" },
  { column: "a.id", cast: "uuid" },
] as const;

const cursorOf = (f: FindingRow): FindingCursor => ({ d: f.day, h: f.hour ?? -1, s: f.score, i: f.id });

export async function listFindings(
  f: AnomalyFilters,
  request: PageRequest<FindingCursor> = {},
  pageSize = FINDINGS_PAGE_SIZE,
  pool: pg.Pool = dbPool(),
): Promise<KeysetPage<FindingRow> & { total: number }> {
  const where = `($1::text = 'all' OR a.status::text = $1) AND ($2::text IS NULL OR t.slug = $2) AND ($3::text IS NULL OR a.resource::text = $3)`;
  const filterParams = [f.status, f.tenant ?? null, f.resource ?? null];
  const read = async (cursor: FindingCursor | undefined, reverse: boolean, limit: number) => {
    const params: unknown[] = [...filterParams];
    const keyset = descendingKeyset(KEYS, cursor && [cursor.d, cursor.h, cursor.s, cursor.i], reverse, params);
    params.push(limit);
    const { rows } = await pool.query(
      `SELECT ${ANOMALY_COLUMNS} FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id
        WHERE ${where} AND ${keyset.condition} ORDER BY ${keyset.orderBy} LIMIT $${params.length}`,
      params,
    );
    return rows.map(anomalyView);
  };
  const [page, count] = await Promise.all([
    readKeysetPage(read, request, pageSize, (row) => encodePageCursor(cursorOf(row))),
    pool.query(`SELECT count(*)::int AS n FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id WHERE ${where}`, filterParams),
  ]);
  return { ...page, total: count.rows[0].n };
}

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
