// Touchpoint coverage: for every touchpoint of the registry, and any unregistered one that
// cost records name, when it last reported, its 7-day volume and cost, and whether its traffic
// reserves before calling or only records afterwards — derived from the records themselves
// (a record with a reservation_id went through reserve/settle), compared with what the
// registry expects (touchpoints.reserves_before_call).
import type pg from "pg";
import { dbPool } from "~/db/client.server.ts";

export const COVERAGE_WINDOW_DAYS = 7;
/** At or above this share of reserved records a touchpoint "reserves first". */
export const RESERVES_FIRST_SHARE = 0.99;

export type CoverageMode = "reserves_first" | "records_after" | "mixed" | "no_traffic";

export function classifyCoverage(records: number, reserved: number): CoverageMode {
  if (records === 0) return "no_traffic";
  if (reserved === 0) return "records_after";
  return reserved / records >= RESERVES_FIRST_SHARE ? "reserves_first" : "mixed";
}

export interface TouchpointCoverage {
  id: string;
  name: string | null;
  resource: "llm" | "sandbox" | null;
  priority: string | null;
  registered: boolean;
  /** The registry's expectation; null for unregistered touchpoints. */
  expectsReservation: boolean | null;
  lastReportAt: string | null;
  records7d: number;
  reserved7d: number;
  /** Share of the window's records that carried a reservation, 0..1; null without traffic. */
  reservedShare: number | null;
  costUsd7d: string;
  mode: CoverageMode;
  /** The registry expects a reservation but the traffic only records after the call. */
  flagged: boolean;
}

export async function getTouchpointCoverage(opts: { pool?: pg.Pool; now?: Date } = {}): Promise<TouchpointCoverage[]> {
  const pool = opts.pool ?? dbPool();
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - COVERAGE_WINDOW_DAYS * 86_400_000);
  // Unregistered touchpoints come from the rollups (one row per day and dimension set), which
  // is far smaller than cost_records; the last report per touchpoint is one probe of the
  // (touchpoint, occurred_at) index each.
  const { rows } = await pool.query(
    `WITH ids AS (
       SELECT id FROM touchpoints
       UNION
       SELECT DISTINCT touchpoint FROM spend_rollups WHERE touchpoint <> ''
     ), recent AS (
       SELECT touchpoint, count(*)::int AS records, count(reservation_id)::int AS reserved, sum(cost_usd) AS cost
         FROM cost_records
        WHERE occurred_at >= $1 AND occurred_at <= $2 AND touchpoint IS NOT NULL
        GROUP BY touchpoint
     )
     SELECT ids.id, tp.name, tp.resource::text AS resource, tp.priority, tp.id IS NOT NULL AS registered,
            tp.reserves_before_call AS "expectsReservation",
            (SELECT max(c.occurred_at) FROM cost_records c WHERE c.touchpoint = ids.id) AS "lastReportAt",
            COALESCE(r.records, 0) AS records, COALESCE(r.reserved, 0) AS reserved, COALESCE(r.cost, 0)::text AS cost
       FROM (SELECT id FROM ids UNION SELECT touchpoint FROM recent) ids
       LEFT JOIN touchpoints tp ON tp.id = ids.id
       LEFT JOIN recent r ON r.touchpoint = ids.id
      ORDER BY tp.id IS NULL DESC, tp.priority NULLS FIRST, ids.id`,
    [since, now],
  );
  return rows.map((r) => {
    const mode = classifyCoverage(r.records, r.reserved);
    return {
      id: r.id,
      name: r.name,
      resource: r.resource,
      priority: r.priority,
      registered: r.registered,
      expectsReservation: r.expectsReservation,
      lastReportAt: r.lastReportAt ? (r.lastReportAt as Date).toISOString() : null,
      records7d: r.records,
      reserved7d: r.reserved,
      reservedShare: r.records ? r.reserved / r.records : null,
      costUsd7d: r.cost,
      mode,
      flagged: r.expectsReservation === true && mode === "records_after",
    };
  });
}
