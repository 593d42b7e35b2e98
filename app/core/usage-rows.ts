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
  enabled: boolean;
}

// The hot statements are named, so each connection plans them once (planning the lock
// statement cost more than running it: 2 ms vs 0.8 ms in the benchmark's EXPLAIN).

// A "need" is one (resource, tenant, user, usage time) whose applicable quota rows a decision
// touches; a batch of decisions passes many. $1..$9 are per-need arrays.
const NEEDS = `needs AS (
  SELECT * FROM unnest($1::"ResourceType"[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                       $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
           AS s(resource, tenant_id, user_id, d, w, m, de, we, me)),
applicable AS (
  -- Two index-friendly halves instead of one OR: platform quotas, then the tenant's own.
  SELECT q.id AS quota_id, ${start("q")} AS ps, ${end("q")} AS pe
    FROM needs s JOIN quotas q ON q.scope = 'platform' AND q.enabled AND q.resource IN (s.resource, 'all')
  UNION
  SELECT q.id, ${start("q")}, ${end("q")}
    FROM needs s JOIN quotas q ON q.tenant_id = s.tenant_id AND q.enabled AND q.resource IN (s.resource, 'all')
                              AND (q.scope = 'tenant' OR q.scope_id = s.user_id))`;

function start(q: string) {
  return `(CASE ${q}.period WHEN 'day' THEN s.d WHEN 'week' THEN s.w ELSE s.m END)`;
}
function end(q: string) {
  return `(CASE ${q}.period WHEN 'day' THEN s.de WHEN 'week' THEN s.we ELSE s.me END)`;
}

const ORDER = `CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, (q.resource = 'all'), q.id, u.period_start`;

const PERIODS = ["day", "week", "month"] as const;
function needParams(needs: Scoping[]): unknown[] {
  return [
    needs.map((n) => n.resource),
    needs.map((n) => n.tenantId),
    needs.map((n) => n.userId),
    ...PERIODS.map((p) => needs.map((n) => periodStart(p, n.at))),
    ...PERIODS.map((p) => needs.map((n) => periodEnd(p, n.at))),
  ];
}

// A row created mid-period starts from the spend already recorded in that period for the
// quota's scope and resource (SPEC §3), read from the daily rollups.
const ENSURE_SQL = `
WITH ${NEEDS}
INSERT INTO quota_usage (quota_id, period_start, spent_usd)
SELECT q.id, a.ps, COALESCE((
         SELECT sum(r.cost_usd) FROM spend_rollups r
          WHERE r.day >= (a.ps AT TIME ZONE 'UTC')::date AND r.day < (a.pe AT TIME ZONE 'UTC')::date
            AND (q.resource = 'all' OR r.resource = q.resource)
            AND (q.scope = 'platform' OR r.tenant_id = q.tenant_id)
            AND (q.scope <> 'user' OR r.user_id = q.scope_id)), 0)
  FROM applicable a JOIN quotas q ON q.id = a.quota_id
 WHERE NOT EXISTS (SELECT 1 FROM quota_usage x WHERE x.quota_id = a.quota_id AND x.period_start = a.ps)
 ORDER BY CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, (q.resource = 'all'), q.id, a.ps
ON CONFLICT (quota_id, period_start) DO NOTHING`;

const COLUMNS = `u.id AS "usageId", q.id AS "quotaId", q.scope, q.scope_id AS "scopeId", q.tenant_id AS "tenantId",
  q.resource, q.period, q.enabled, u.period_start AS "periodStart", q.limit_usd::text AS "limitUsd",
  u.spent_usd::text AS "spentUsd", u.reserved_usd::text AS "reservedUsd",
  q.warning_thresholds AS thresholds, u.notified_thresholds AS notified, q.enforcement`;

// The ids are fixed FIRST (a MATERIALIZED CTE), then locked by id. Locking rows chosen by a
// join against quota_usage itself is wrong under READ COMMITTED: after waiting for another
// transaction's lock, PostgreSQL re-checks the join with the updated row and may silently drop
// it, so a decision would run on 1 of its 3 rows (found by the benchmark's ledger checks).
const SELECTED_IDS = `selected AS MATERIALIZED (
  SELECT x.id FROM applicable a JOIN quota_usage x ON x.quota_id = a.quota_id AND x.period_start = a.ps
  UNION SELECT unnest($10::uuid[]))`;

// $10: extra usage rows to lock by id (a reservation's holds, possibly in an older period).
const LOCK_SQL = `
WITH ${NEEDS}, ${SELECTED_IDS}
SELECT ${COLUMNS} FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
 WHERE u.id IN (SELECT id FROM selected)
 ORDER BY ${ORDER}
   FOR UPDATE OF u`;

const READ_SQL = `
WITH ${NEEDS}, ${SELECTED_IDS}
SELECT ${COLUMNS} FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
 WHERE u.id IN (SELECT id FROM selected)
 ORDER BY ${ORDER}`;

// Group commit's lock (ADR 0004), one round trip for everything a batch reads before it decides:
//  - `held`: the reservations the batch settles ($11), locked first, sorted by id — the same
//    order as ledger.settle (reservation, then usage rows), so the two never deadlock. The
//    scalar subquery in `selected` makes these locks precede every usage-row lock. Those still
//    held or expired are marked settled right here (`marked`): a settle with a price is never
//    refused, and marking them before the write's cost-record inserts keeps those inserts'
//    foreign-key checks cheap (checking a row updated by the same statement cost 0.25 ms
//    per record; see docs/benchmarks.md);
//  - `locked`: the usage rows of the needs and $10, in the global order (as LOCK_SQL);
//  - `seen`: reservations already made under the batch's idempotency keys ($12 tenants, $13 keys);
//  - `missing`: applicable (quota, period) pairs without a usage row. Rows are never created
//    while usage rows are locked (lock order), so the caller rolls back, creates them with
//    ensureUsageRows outside any transaction and runs the batch again.
// One row of JSON columns: the row set may be empty while `seen` is not.
export const BATCH_LOCK_SQL = `
WITH ${NEEDS},
held AS MATERIALIZED (
  SELECT id, status FROM reservations WHERE id = ANY($11::uuid[]) ORDER BY id FOR UPDATE),
marked AS (
  UPDATE reservations r SET status = 'settled', finished_at = now()
    FROM held h WHERE r.id = h.id AND h.status IN ('held', 'expired') RETURNING 1),
selected AS MATERIALIZED (
  SELECT x.id FROM applicable a JOIN quota_usage x ON x.quota_id = a.quota_id AND x.period_start = a.ps
   WHERE (SELECT count(*) FROM held) >= 0
  UNION SELECT unnest($10::uuid[])),
locked AS (
  SELECT ${COLUMNS} FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
   WHERE u.id IN (SELECT id FROM selected)
   ORDER BY ${ORDER}
     FOR UPDATE OF u)
SELECT (SELECT json_agg(l) FROM locked l) AS rows,
       (SELECT json_agg(h) FROM held h) AS held,
       (SELECT json_agg(json_build_object('tenantId', r.tenant_id, 'key', r.idempotency_key, 'id', r.id,
                                          'hash', r.request_hash, 'estimate', r.estimate_usd::text,
                                          'expiresAt', r.expires_at, 'warnings', r.warnings))
          FROM reservations r JOIN unnest($12::uuid[], $13::text[]) AS k(t, key)
            ON r.tenant_id = k.t AND r.idempotency_key = k.key) AS seen,
       (SELECT count(*) FROM applicable a
         WHERE NOT EXISTS (SELECT 1 FROM quota_usage x WHERE x.quota_id = a.quota_id AND x.period_start = a.ps))::int AS missing`;

export interface SeenReservation {
  tenantId: string;
  key: string;
  id: string;
  hash: string;
  estimate: string;
  expiresAt: string;
  warnings: unknown[];
}

export interface BatchLock {
  rows: UsageRow[];
  /** Current status of every settled reservation that exists. */
  held: Map<string, string>;
  seen: SeenReservation[];
  /** Applicable usage rows that do not exist yet (nothing usable was locked when > 0). */
  missing: number;
}

/** The parameters of BATCH_LOCK_SQL. */
export function batchLockParams(needs: Scoping[], alsoIds: string[], settleIds: string[], keys: { tenantId: string; key: string }[]): unknown[] {
  return [...needParams(needs), alsoIds, settleIds, keys.map((k) => k.tenantId), keys.map((k) => k.key)];
}

/** The one row BATCH_LOCK_SQL returns. */
export function parseBatchLock(r: { rows: unknown[] | null; held: { id: string; status: string }[] | null; seen: SeenReservation[] | null; missing: number }): BatchLock {
  return {
    rows: (r.rows ?? []).map(toRow),
    held: new Map((r.held ?? []).map((h) => [h.id, h.status])),
    seen: r.seen ?? [],
    missing: r.missing,
  };
}

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

/** Does this row's quota apply to the need (enabled, scope, resource, and the need's period)? */
export function applies(row: UsageRow, need: Scoping): boolean {
  return (
    row.enabled &&
    (row.resource === need.resource || row.resource === "all") &&
    (row.scope === "platform" || (row.tenantId === need.tenantId && (row.scope === "tenant" || row.scopeId === need.userId))) &&
    row.periodStart.getTime() === periodStart(row.period, need.at).getTime()
  );
}

/** Creates missing period rows (must run before this transaction locks any usage row). */
export async function ensureUsageRows(q: Queryable, needs: Scoping[]) {
  await q.query({ name: "tollgate_ensure_usage", text: ENSURE_SQL, values: needParams(needs) });
}

/** Locks every row applicable to the needs, plus `alsoIds`, in the global order. */
export async function lockUsageRows(q: Queryable, needs: Scoping[], alsoIds: string[] = []): Promise<UsageRow[]> {
  const { rows } = await q.query({ name: "tollgate_lock_usage", text: LOCK_SQL, values: [...needParams(needs), alsoIds] });
  return rows.map(toRow);
}

/** Locks the given rows (a reservation's holds) in the global order. */
export async function lockUsageRowsById(q: Queryable, ids: string[]): Promise<UsageRow[]> {
  if (ids.length === 0) return [];
  return lockUsageRows(q, [], ids);
}

/** Unlocked read of the applicable rows (quota-status). Missing rows are created first. */
export async function readUsageRows(q: Queryable, need: Scoping): Promise<UsageRow[]> {
  await ensureUsageRows(q, [need]);
  const { rows } = await q.query({ name: "tollgate_read_usage", text: READ_SQL, values: [...needParams([need]), []] });
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
