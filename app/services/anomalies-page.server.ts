// The anomalies page (admin, ops): findings filtered by status, tenant and resource, newest
// first. Reviews go through setAnomalyStatus (audited in the same transaction).
import type pg from "pg";
import { dbPool } from "~/db/client.server.ts";
import type { AnomalyFilters } from "~/schemas/anomalies.ts";

export interface FindingRow {
  id: string;
  tenantSlug: string;
  tenantName: string;
  resource: "llm" | "sandbox";
  day: string;
  hour: number | null;
  actualUsd: string;
  expectedUsd: string;
  score: number;
  severity: string;
  status: "open" | "acknowledged" | "dismissed";
  reviewedBy: string | null;
  reviewedAt: string | null;
}

/** Shown per page; the count says how many matched in all. */
export const FINDINGS_LIMIT = 200;

export async function listFindings(f: AnomalyFilters, pool: pg.Pool = dbPool()): Promise<{ total: number; rows: FindingRow[] }> {
  const where = `($1::text = 'all' OR a.status::text = $1) AND ($2::text IS NULL OR t.slug = $2) AND ($3::text IS NULL OR a.resource::text = $3)`;
  const params = [f.status, f.tenant ?? null, f.resource ?? null];
  const [list, count] = await Promise.all([
    pool.query(
      `SELECT a.id, t.slug, t.name, a.resource::text AS resource, a.day::text AS day, a.hour, a.actual_usd::text AS actual_usd,
              a.expected_usd::text AS expected_usd, a.score, a.severity, a.status::text AS status, a.reviewed_by, a.reviewed_at
         FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id
        WHERE ${where}
        ORDER BY a.day DESC, a.hour DESC, a.score DESC, a.id
        LIMIT ${FINDINGS_LIMIT}`,
      params,
    ),
    pool.query(`SELECT count(*)::int AS n FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id WHERE ${where}`, params),
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
      score: Number(r.score),
      severity: r.severity,
      status: r.status,
      reviewedBy: r.reviewed_by,
      reviewedAt: r.reviewed_at ? r.reviewed_at.toISOString() : null,
    })),
  };
}
