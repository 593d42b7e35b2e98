// The QuotaUsage rows a decision touches: which quotas apply, creating missing period rows,
// locking them in the one global order, and writing their new totals back.
//
// Lock order (no deadlocks): every transaction that locks usage rows does it in ONE statement
// ordered platform → tenant → user, resource-specific before `all`, then quota id and period.
// Row creation happens before any usage row is locked, in the same order.
import type { Queryable } from "./db.ts";
import { money, toDb, type Money } from "./money.ts";
import { periodEnd, periodStart } from "./periods.ts";
import type { Enforcement, Period, QuotaResource, Resource, Scope } from "./types.ts";

export interface Scoping {
  tenantId: string;
  userId: string | null;
  resource: Resource;
  /** Usage time: selects the period row of each quota. */
  at: Date;
}

export interface UsageRow {
  usageId: string;
  quotaId: string;
  scope: Scope;
  scopeId: string | null;
  tenantId: string | null;
  resource: QuotaResource;
  period: Period;
  periodStart: Date;
  resetsAt: Date;
  limitUsd: Money;
  spentUsd: Money;
  reservedUsd: Money;
  thresholds: number[];
  notified: number[];
  enforcement: Enforcement;
  /** The row belongs to a quota that applies at the usage time (not only a held row). */
  applicable: boolean;
}

// $1 resource, $2 tenant, $3 user, $4..$6 day/week/month starts; $7..$9 their ends (ENSURE only).
const APPLICABLE = `q.enabled AND q.resource IN ($1::"ResourceType", 'all')
  AND (q.scope = 'platform' OR (q.tenant_id = $2::uuid AND (q.scope = 'tenant' OR q.scope_id = $3::text)))`;
const START = `(CASE q.period WHEN 'day' THEN $4::timestamptz WHEN 'week' THEN $5::timestamptz ELSE $6::timestamptz END)`;
const END = `(CASE q.period WHEN 'day' THEN $7::timestamptz WHEN 'week' THEN $8::timestamptz ELSE $9::timestamptz END)`;
const ORDER = `CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, (q.resource = 'all'), q.id, u.period_start`;

const PERIODS = ["day", "week", "month"] as const;
function params(s: Scoping) {
  return [s.resource, s.tenantId, s.userId, ...PERIODS.map((p) => periodStart(p, s.at))];
}
const ends = (s: Scoping) => PERIODS.map((p) => periodEnd(p, s.at));

// A row created mid-period starts from the spend already recorded in that period for the
// quota's scope and resource (SPEC §3), read from the daily rollups.
const ENSURE_SQL = `
INSERT INTO quota_usage (quota_id, period_start, spent_usd)
SELECT q.id, ${START}, COALESCE((
         SELECT sum(r.cost_usd) FROM spend_rollups r
          WHERE r.day >= (${START} AT TIME ZONE 'UTC')::date AND r.day < (${END} AT TIME ZONE 'UTC')::date
            AND (q.resource = 'all' OR r.resource = q.resource)
            AND (q.scope = 'platform' OR r.tenant_id = q.tenant_id)
            AND (q.scope <> 'user' OR r.user_id = q.scope_id)), 0)
  FROM quotas q
 WHERE ${APPLICABLE}
   AND NOT EXISTS (SELECT 1 FROM quota_usage x WHERE x.quota_id = q.id AND x.period_start = ${START})
 ORDER BY CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, (q.resource = 'all'), q.id
ON CONFLICT (quota_id, period_start) DO NOTHING`;

const COLUMNS = `u.id AS "usageId", q.id AS "quotaId", q.scope, q.scope_id AS "scopeId", q.tenant_id AS "tenantId",
  q.resource, q.period, u.period_start AS "periodStart", q.limit_usd::text AS "limitUsd",
  u.spent_usd::text AS "spentUsd", u.reserved_usd::text AS "reservedUsd",
  q.warning_thresholds AS thresholds, u.notified_thresholds AS notified, q.enforcement`;

// $7: extra usage rows to lock by id (a reservation's holds, possibly in an older period).
const LOCK_SQL = `
SELECT ${COLUMNS}, (${APPLICABLE} AND u.period_start = ${START}) AS applicable
  FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
 WHERE (${APPLICABLE} AND u.period_start = ${START}) OR u.id = ANY($7::uuid[])
 ORDER BY ${ORDER}
   FOR UPDATE OF u`;

const READ_SQL = `
SELECT ${COLUMNS}, true AS applicable
  FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
 WHERE ${APPLICABLE} AND u.period_start = ${START}
 ORDER BY ${ORDER}`;

function toRow(r: any): UsageRow {
  return {
    ...r,
    periodStart: new Date(r.periodStart),
    resetsAt: periodEnd(r.period, new Date(r.periodStart)),
    limitUsd: money(r.limitUsd),
    spentUsd: money(r.spentUsd),
    reservedUsd: money(r.reservedUsd),
  };
}

/** Creates missing period rows (must run before this transaction locks any usage row). */
export async function ensureUsageRows(q: Queryable, s: Scoping) {
  await q.query(ENSURE_SQL, [...params(s), ...ends(s)]);
}

/** Locks every applicable row for the usage time, plus `alsoIds`, in the global order. */
export async function lockUsageRows(q: Queryable, s: Scoping, alsoIds: string[] = []): Promise<UsageRow[]> {
  const { rows } = await q.query(LOCK_SQL, [...params(s), alsoIds]);
  return rows.map(toRow);
}

const LOCK_BY_ID_SQL = `
SELECT ${COLUMNS}, false AS applicable
  FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
 WHERE u.id = ANY($1::uuid[])
 ORDER BY ${ORDER}
   FOR UPDATE OF u`;

/** Locks the given rows (a reservation's holds) in the global order. */
export async function lockUsageRowsById(q: Queryable, ids: string[]): Promise<UsageRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query(LOCK_BY_ID_SQL, [ids]);
  return rows.map(toRow);
}

/** Unlocked read of the applicable rows (quota-status). Missing rows are created first. */
export async function readUsageRows(q: Queryable, s: Scoping): Promise<UsageRow[]> {
  await ensureUsageRows(q, s);
  const { rows } = await q.query(READ_SQL, params(s));
  return rows.map(toRow);
}

export interface UsageDelta {
  usageId: string;
  reservedDelta: Money;
  spentDelta: Money;
  notified: number[];
}

export const WRITE_USAGE_CTE = `
UPDATE quota_usage u
   SET reserved_usd = u.reserved_usd + v.reserved_delta,
       spent_usd = u.spent_usd + v.spent_delta,
       notified_thresholds = v.notified::int[],
       updated_at = now()
  FROM unnest($1::uuid[], $2::numeric[], $3::numeric[], $4::text[]) AS v(id, reserved_delta, spent_delta, notified)
 WHERE u.id = v.id`;

/** The four array parameters ($1..$4) of WRITE_USAGE_CTE. */
export function usageParams(deltas: UsageDelta[]): unknown[] {
  return [
    deltas.map((d) => d.usageId),
    deltas.map((d) => toDb(d.reservedDelta)),
    deltas.map((d) => toDb(d.spentDelta)),
    deltas.map((d) => `{${d.notified.join(",")}}`),
  ];
}
