// Every statement of the decision path, in one place: the usage-row statements (create, lock,
// read), the batch's hold/lock/seen/write, and the ledger writes of records, releases and the
// sweep. Values are bound by name (sql.ts); the value builders sit beside their domain
// (usage-rows.ts: needs and deltas; cost-records.ts: entries and rollups; decide-batch.ts:
// new reservations), and sql.ts's bind() refuses a missing or unknown name.
//
// Lock order (no deadlocks), kept by every statement that locks: reservations (sorted by id),
// then usage rows in ONE statement ordered platform → tenant → user (per-user default rows with
// the user's), resource-specific before `all`, then quota id, period and subject. Usage rows are
// created only before any usage row is locked (per-user default rows inside the batch's first
// round trip, ENSURE_USER_USAGE; all others outside the transaction).
import { statement, type Param } from "./sql.ts";

// ---- usage rows --------------------------------------------------------------------------

// A "need" is one (resource, tenant, user, usage time) whose applicable quota rows a decision
// touches; a batch passes many. Period bounds come precomputed per need (periods.ts).
//
// `applicable` yields (quota, period start, period end, subject tenant, subject): the subject is
// '' / NULL for every quota but per-user defaults (`each_user`, ADR 0016), whose rows are one per
// end user — the need's user and tenant. `which`: "all" quotas, only the per-user defaults (the
// batch creates their missing rows in its first round trip, ENSURE_USER_USAGE), or only the others.
type Which = "all" | "defaults" | "shared";
function needs(p: Param, which: Which = "all") {
  const ordinary = `
  -- Two index-friendly halves instead of one OR: platform quotas, then the tenant's own.
  SELECT q.id, ${periodStart("q")}, ${periodEnd("q")}, NULL::uuid, ''::text
    FROM needs s JOIN quotas q ON q.scope = 'platform' AND q.enabled AND q.resource IN (s.resource, 'all')
  UNION
  SELECT q.id, ${periodStart("q")}, ${periodEnd("q")}, NULL::uuid, ''::text
    FROM needs s JOIN quotas q ON q.tenant_id = s.tenant_id AND q.enabled AND q.resource IN (s.resource, 'all')
                              AND (q.scope = 'tenant' OR (q.scope = 'user' AND q.scope_id = s.user_id))`;
  const defaults = `
  -- Per-user defaults (ADR 0016), one row per end user: the platform's always; the tenant's
  -- unless the user has an enabled quota of their own for the same resource and period.
  SELECT q.id, ${periodStart("q")}, ${periodEnd("q")}, s.tenant_id, s.user_id
    FROM needs s JOIN quotas q ON q.scope = 'each_user' AND q.tenant_id IS NULL AND q.enabled AND q.resource IN (s.resource, 'all')
   WHERE s.user_id <> ''
  UNION
  SELECT q.id, ${periodStart("q")}, ${periodEnd("q")}, s.tenant_id, s.user_id
    FROM needs s JOIN quotas q ON q.scope = 'each_user' AND q.tenant_id = s.tenant_id AND q.enabled AND q.resource IN (s.resource, 'all')
   WHERE s.user_id <> '' AND NOT ${overriddenBy("s.tenant_id", "s.user_id")}`;
  const branches = which === "all" ? `${ordinary}\n  UNION${defaults}` : which === "defaults" ? defaults : ordinary;
  return `needs AS (
  SELECT * FROM unnest(${p("need_resource", '"ResourceType"[]')}, ${p("need_tenant", "uuid[]")}, ${p("need_user", "text[]")},
                       ${p("day_start", "timestamptz[]")}, ${p("week_start", "timestamptz[]")}, ${p("month_start", "timestamptz[]")},
                       ${p("day_end", "timestamptz[]")}, ${p("week_end", "timestamptz[]")}, ${p("month_end", "timestamptz[]")})
           AS s(resource, tenant_id, user_id, d, w, m, de, we, me)),
applicable (quota_id, ps, pe, st, su) AS (${branches})`;
}

/** Whether the end user has an enabled quota of their own for q's resource and period (ADR 0016: it replaces the tenant's default). */
function overriddenBy(tenant: string, user: string) {
  return `EXISTS (SELECT 1 FROM quotas o WHERE o.scope = 'user' AND o.tenant_id = ${tenant} AND o.scope_id = ${user}
                 AND o.resource = q.resource AND o.period = q.period AND o.enabled)`;
}

/** The usage row x of applicable pair a (subject columns included; the unique key's order). */
const MATCHES = `x.quota_id = a.quota_id AND x.period_start = a.ps AND x.subject = a.su AND x.subject_tenant_id IS NOT DISTINCT FROM a.st`;

function periodStart(q: string) {
  return `(CASE ${q}.period WHEN 'day' THEN s.d WHEN 'week' THEN s.w ELSE s.m END)`;
}
function periodEnd(q: string) {
  return `(CASE ${q}.period WHEN 'day' THEN s.de WHEN 'week' THEN s.we ELSE s.me END)`;
}

// Per-user default rows sort with user rows (platform → tenant → user), then by quota, period
// and subject: a total order, so two batches locking rows of the same users never deadlock.
const ORDER = `CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, (q.resource = 'all'), q.id, u.period_start,
  u.subject_tenant_id, u.subject`;
/** The same order as one sortable value (for a CTE whose rows are ordered outside it). */
const ORDER_KEY = `ROW(${ORDER})`;

// A per-user default's row reports the end user as its scope id and their tenant as its tenant,
// so denials, warnings and notifications name the user (ADR 0016). `overridden`: the user has an
// enabled quota of their own for that resource and period now (the row no longer applies).
const USAGE_COLUMNS = `u.id AS "usageId", q.id AS "quotaId", q.scope,
  CASE WHEN q.scope = 'each_user' THEN u.subject ELSE q.scope_id END AS "scopeId",
  coalesce(u.subject_tenant_id, q.tenant_id) AS "tenantId",
  q.resource, q.period, q.enabled, u.period_start AS "periodStart", q.limit_usd::text AS "limitUsd",
  u.spent_usd::text AS "spentUsd", u.reserved_usd::text AS "reservedUsd",
  q.warning_thresholds AS thresholds, u.notified_thresholds AS notified, q.enforcement,
  (q.scope = 'each_user' AND q.tenant_id IS NOT NULL AND ${overriddenBy("u.subject_tenant_id", "u.subject")}) AS overridden`;

// The ids are fixed FIRST (a MATERIALIZED CTE), then locked by id. Locking rows chosen by a
// join against quota_usage itself is wrong under READ COMMITTED: after waiting for another
// transaction's lock, PostgreSQL re-checks the join with the updated row and may silently drop
// it, so a decision would run on 1 of its 3 rows (found by the benchmark's ledger checks).
// `also_ids`: rows to include by id (a reservation's holds, possibly in an older period);
// `skip_ids`: applicable rows this process decides on its lease of them instead (ADR 0009).
function selected(p: Param) {
  return `selected AS MATERIALIZED (
  SELECT x.id FROM applicable a JOIN quota_usage x ON ${MATCHES}
   WHERE x.id <> ALL(${p("skip_ids", "uuid[]")})
  UNION SELECT unnest(${p("also_ids", "uuid[]")}))`;
}

const MISSING = `missing AS (
  SELECT count(*)::int AS missing FROM applicable a
   WHERE NOT EXISTS (SELECT 1 FROM quota_usage x WHERE ${MATCHES}))`;

/**
 * What applicable pair a (of quota q) has already spent in its period, from the daily rollups.
 * A per-user default's pair (a.st set) sums one end user's rollups by equality on
 * (tenant, user, day) — its own branch, because these statements run on generic plans
 * (GENERIC_BEGIN), where the other branch's ORs over q.scope would sum by day range alone:
 * every rollup of every tenant in the period, once per new end user.
 */
const RECORDED_SPEND = `COALESCE(CASE WHEN a.st IS NOT NULL THEN (
         SELECT sum(r.cost_usd) FROM spend_rollups r
          WHERE r.tenant_id = a.st AND r.user_id = a.su
            AND r.day >= (a.ps AT TIME ZONE 'UTC')::date AND r.day < (a.pe AT TIME ZONE 'UTC')::date
            AND (q.resource = 'all' OR r.resource = q.resource))
       ELSE (
         SELECT sum(r.cost_usd) FROM spend_rollups r
          WHERE r.day >= (a.ps AT TIME ZONE 'UTC')::date AND r.day < (a.pe AT TIME ZONE 'UTC')::date
            AND (q.resource = 'all' OR r.resource = q.resource)
            AND (q.scope = 'platform' OR r.tenant_id = q.tenant_id)
            AND (q.scope <> 'user' OR r.user_id = q.scope_id)) END, 0)`;

/**
 * Creates the missing period rows of the needs' quotas (`which`: all, or only per-user defaults).
 * A row created mid-period starts from the spend already recorded in that period for the
 * quota's scope and resource (SPEC §3) — for a per-user default, the end user's — read from the
 * daily rollups. Rows are inserted in the global lock order.
 */
function ensure(p: Param, which: Which) {
  return `
WITH ${needs(p, which)}
INSERT INTO quota_usage (quota_id, period_start, subject_tenant_id, subject, spent_usd)
SELECT q.id, a.ps, a.st, a.su, ${RECORDED_SPEND}
  FROM applicable a JOIN quotas q ON q.id = a.quota_id
 WHERE NOT EXISTS (SELECT 1 FROM quota_usage x WHERE ${MATCHES})
 ORDER BY CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, (q.resource = 'all'), q.id, a.ps, a.st, a.su
ON CONFLICT (quota_id, period_start, subject, subject_tenant_id) DO NOTHING`;
}

/** Creates the missing period rows of every quota applicable to the needs. Runs before the transaction locks any usage row. */
export const ENSURE_USAGE = statement("tollgate_ensure_usage", (p) => ensure(p, "all"));

/** The same for every quota but per-user defaults: what a status read creates (READ_USAGE reports unborn per-user rows instead). */
export const ENSURE_SHARED_USAGE = statement("tollgate_ensure_shared_usage", (p) => ensure(p, "shared"));

/**
 * Creates the missing rows of per-user defaults (ADR 0016) INSIDE the batch's transaction, in its
 * first round trip, after the reservations it settles are locked and before any usage row is:
 * a new end user costs no extra round trip. Concurrent first requests of one new user, in any
 * process, serialize here — the second insert waits for the first transaction and then finds
 * its row — and then lock that row like any other, so they are decided one after another on
 * exact figures. Deadlock-free: every transaction takes reservations, then these inserts (in the
 * lock order), then usage-row locks, then leases; a transaction waiting on an insert holds no
 * usage-row lock, and no usage-row lock waits on an uncommitted insert (it cannot see it).
 */
export const ENSURE_USER_USAGE = statement("tollgate_ensure_user_usage", (p) => ensure(p, "defaults"));

/**
 * Unlocked read of the applicable rows (quota-status), with their true figures (leases counted as
 * what they hold and spent), and `missing` as LOCK_USAGE counts it: with nothing missing (the
 * common case) the read needs no ENSURE_USAGE first. Always at least one row, as LOCK_USAGE.
 * Per-user default rows not created yet come back with a null usageId and are not counted
 * missing: a status read never creates them.
 */
export const READ_USAGE = statement(
  "tollgate_read_usage",
  (p) => `
WITH ${needs(p)}, ${selected(p)},
found AS (
  SELECT ${USAGE_COLUMNS}, ${ORDER_KEY} AS ord FROM quota_usage_current u JOIN quotas q ON q.id = u.quota_id
   WHERE u.id IN (SELECT id FROM selected)),
-- A per-user default's row that does not exist yet is reported, not created (ADR 0016: rows
-- only for users who spent): what the user spent in the period so far, nothing held.
unborn AS (
  SELECT NULL::uuid AS "usageId", q.id AS "quotaId", q.scope, a.su AS "scopeId", a.st AS "tenantId",
         q.resource, q.period, q.enabled, a.ps AS "periodStart", q.limit_usd::text AS "limitUsd",
         ${RECORDED_SPEND}::text AS "spentUsd", '0'::text AS "reservedUsd",
         q.warning_thresholds AS thresholds, '{}'::int[] AS notified, q.enforcement, false AS overridden,
         ROW(2, (q.resource = 'all'), q.id, a.ps, a.st, a.su) AS ord
    FROM applicable a JOIN quotas q ON q.id = a.quota_id
   WHERE a.st IS NOT NULL AND NOT EXISTS (SELECT 1 FROM quota_usage x WHERE ${MATCHES})),
missing AS (
  SELECT count(*)::int AS missing FROM applicable a
   WHERE a.st IS NULL AND NOT EXISTS (SELECT 1 FROM quota_usage x WHERE ${MATCHES}))
SELECT f.*, m.missing FROM missing m LEFT JOIN (SELECT * FROM found UNION ALL SELECT * FROM unborn) f ON true
 ORDER BY f.ord`,
);

/**
 * Locks budget leases (ADR 0009), after the usage rows: the ones named (this process's leases it
 * decides on, the leases of the reservations being settled) and every active lease of the usage
 * rows this transaction locked (same needs and ids as LOCK_USAGE), in id order. Each comes with
 * its usage row's quota and its row's unlocked figures (for warnings on rows not locked).
 */
export const LOCK_LEASES = statement(
  "tollgate_lock_leases",
  (p) => `
WITH ${needs(p)}, ${selected(p)}
SELECT l.id, l.usage_id AS "usageId", l.holder, l.granted_usd::text AS granted, l.reserved_usd::text AS reserved,
       l.spent_usd::text AS spent, l.returned_at IS NOT NULL AS returned, l.expires_at AS "expiresAt",
       ${USAGE_COLUMNS}
  FROM quota_leases l JOIN quota_usage_current u ON u.id = l.usage_id JOIN quotas q ON q.id = u.quota_id
 WHERE l.id = ANY(${p("lease_ids", "uuid[]")})
    OR (l.returned_at IS NULL AND l.usage_id IN (SELECT id FROM selected))
 ORDER BY l.id
   FOR UPDATE OF l`,
);

/**
 * Locks the applicable rows (and `also_ids`) in the global order, and counts `missing`: the
 * applicable (quota, period) pairs without a row. Rows are never created while usage rows are
 * locked, so when it is > 0 the caller rolls back, creates them (ENSURE_USAGE, outside any
 * transaction) and runs again. Always at least one row: with nothing to lock, one row of NULL
 * columns carries `missing`.
 */
export const LOCK_USAGE = statement(
  "tollgate_lock_usage",
  (p) => `
WITH ${needs(p)}, ${selected(p)},
locked AS (
  SELECT ${USAGE_COLUMNS} FROM quota_usage u JOIN quotas q ON q.id = u.quota_id
   WHERE u.id IN (SELECT id FROM selected)
   ORDER BY ${ORDER}
     FOR UPDATE OF u),
${MISSING}
SELECT l.*, m.missing FROM missing m LEFT JOIN locked l ON true`,
);

/** New totals of usage rows (deltas), their notified thresholds and the denials they refused (ADR 0014). */
function writeUsage(p: Param) {
  return `usage AS (
  UPDATE quota_usage u
     SET reserved_usd = u.reserved_usd + v.reserved_delta,
         spent_usd = u.spent_usd + v.spent_delta,
         notified_thresholds = v.notified::int[],
         denied_count = u.denied_count + v.denied_count,
         denied_usd = u.denied_usd + v.denied_usd,
         updated_at = now()
    FROM unnest(${p("usage_id", "uuid[]")}, ${p("reserved_delta", "numeric[]")}, ${p("spent_delta", "numeric[]")}, ${p("notified", "text[]")},
                ${p("denied_count", "int[]")}, ${p("denied_usd", "numeric[]")})
         AS v(id, reserved_delta, spent_delta, notified, denied_count, denied_usd)
   WHERE u.id = v.id
  RETURNING 1)`;
}

/** Leases rewritten (absolute figures: the transaction holds their locks) and leases granted. */
function writeLeases(p: Param) {
  return `lease_update AS (
  UPDATE quota_leases l
     SET granted_usd = v.granted, reserved_usd = v.reserved, spent_usd = v.spent, expires_at = v.expires, returned_at = v.returned
    FROM unnest(${p("lease_id", "uuid[]")}, ${p("lease_granted", "numeric[]")}, ${p("lease_reserved", "numeric[]")},
                ${p("lease_spent", "numeric[]")}, ${p("lease_expires", "timestamptz[]")}, ${p("lease_returned", "timestamptz[]")})
         AS v(id, granted, reserved, spent, expires, returned)
   WHERE l.id = v.id
  RETURNING 1),
lease_insert AS (
  INSERT INTO quota_leases (id, usage_id, holder, granted_usd, expires_at)
  SELECT * FROM unnest(${p("grant_id", "uuid[]")}, ${p("grant_usage", "uuid[]")}, ${p("grant_holder", "text[]")},
                       ${p("grant_usd", "numeric[]")}, ${p("grant_expires", "timestamptz[]")})
  RETURNING 1)`;
}

// ---- cost records ------------------------------------------------------------------------

/** Column types of the cost-record arrays, one per CostEntry field, in insert order. */
export const COST_FIELDS = [
  ["tenantId", "uuid"], ["userId", "text"], ["conversationId", "text"], ["taskId", "text"], ["touchpoint", "text"],
  ["resource", '"ResourceType"'], ["provider", "text"], ["model", "text"], ["inputTokens", "int"], ["outputTokens", "int"],
  ["cachedInputTokens", "int"], ["tier", "text"], ["billedDurationMs", "int"], ["activeDurationMs", "int"],
  ["sandboxTtlSeconds", "int"], ["costUsd", "numeric"], ["estimatedCostUsd", "numeric"], ["llmPriceId", "uuid"],
  ["sandboxPriceId", "uuid"], ["reservationId", "uuid"], ["idempotencyKey", "text"], ["requestHash", "text"],
  ["late", "boolean"], ["backfill", "boolean"], ["occurredAt", "timestamptz"],
] as const;

/** The SpendRollup increment columns, in insert order. */
export const ROLLUP_FIELDS = [
  ["day", "date"], ["tenant_id", "uuid"], ["user_id", "text"], ["resource", '"ResourceType"'], ["provider", "text"],
  ["model", "text"], ["touchpoint", "text"], ["cost_usd", "numeric"], ["input_tokens", "bigint"], ["output_tokens", "bigint"],
  ["billed_ms", "bigint"], ["active_ms", "bigint"], ["records", "int"],
] as const;

const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** CTEs `rollup` (pre-aggregated SpendRollup increments) and `settled` (reservations marked settled). */
function costCtes(p: Param) {
  return `rollup AS (
  INSERT INTO spend_rollups AS s (${ROLLUP_FIELDS.map(([c]) => c).join(", ")})
  SELECT * FROM unnest(${ROLLUP_FIELDS.map(([c, t]) => p(`rollup_${c}`, `${t}[]`)).join(", ")})
  ON CONFLICT (day, tenant_id, user_id, resource, provider, model, touchpoint) DO UPDATE SET
    cost_usd = s.cost_usd + EXCLUDED.cost_usd,
    input_tokens = s.input_tokens + EXCLUDED.input_tokens,
    output_tokens = s.output_tokens + EXCLUDED.output_tokens,
    billed_ms = s.billed_ms + EXCLUDED.billed_ms,
    active_ms = s.active_ms + EXCLUDED.active_ms,
    records = s.records + EXCLUDED.records
  RETURNING 1),
settled AS (
  UPDATE reservations SET status = 'settled', finished_at = now() WHERE id = ANY(${p("settle_ids", "uuid[]")}) RETURNING id)`;
}

function costInsert(p: Param) {
  return `INSERT INTO cost_records (${COST_FIELDS.map(([f]) => snake(f)).join(", ")})
SELECT * FROM unnest(${COST_FIELDS.map(([f, t]) => p(`cost_${snake(f)}`, `${t}[]`)).join(", ")})`;
}

/**
 * Writes ledger entries, their rollups and usage-row totals, and marks reservations settled, in
 * one statement. Returns the new CostRecord ids (BIGINT, as strings) in entry order.
 */
export const WRITE_COSTS = statement(
  "tollgate_write_costs",
  (p) => `
WITH ${writeUsage(p)},
${writeLeases(p)},
${costCtes(p)}
${costInsert(p)}
RETURNING id::text AS id`,
);

// ---- reservations ------------------------------------------------------------------------

/** The columns of a new reservation, with their array types, in insert order. */
export const RESERVATION_FIELDS = [
  ["id", "uuid"], ["tenant_id", "uuid"], ["user_id", "text"], ["resource", '"ResourceType"'],
  ["idempotency_key", "text"], ["request_hash", "text"], ["estimate_usd", "numeric"], ["usage_ids", "text"],
  ["expires_at", "timestamptz"], ["touchpoint", "text"], ["conversation_id", "text"], ["task_id", "text"],
  ["provider", "text"], ["model", "text"], ["tier", "text"], ["input_tokens", "int"],
  ["max_output_tokens", "int"], ["expected_seconds", "int"], ["warnings", "text"], ["lease_ids", "text"],
] as const;

export const RESERVATION_COLUMNS = `id, tenant_id, user_id, resource, status, estimate_usd::text AS estimate, usage_ids,
  coalesce(lease_ids, '{}') AS lease_ids, expires_at, created_at, touchpoint, conversation_id, task_id, provider, model, tier`;

/**
 * The batch's first statement when it settles: locks the reservations being settled (sorted by
 * id, before any usage row) and marks those still held or expired as settled — a settle with a
 * price is never refused, and marking them here keeps the write's cost-record foreign-key
 * checks off rows updated by the same statement.
 */
export const BATCH_HOLD = statement(
  "tollgate_batch_hold",
  (p) => `
WITH held AS MATERIALIZED (
  SELECT id, status FROM reservations WHERE id = ANY(${p("settle_ids", "uuid[]")}) ORDER BY id FOR UPDATE),
marked AS (
  UPDATE reservations r SET status = 'settled', finished_at = now()
    FROM held h WHERE r.id = h.id AND h.status IN ('held', 'expired') RETURNING 1)
SELECT id, status FROM held`,
);

/**
 * Reservations already made under the batch's idempotency keys (read after the locks), and the
 * usage rows that already counted a denial of one of those keys (`denied_usage`; ADR 0014: a
 * retried denied request is decided again but not counted twice).
 */
export const BATCH_SEEN = statement(
  "tollgate_batch_seen",
  (p) => `
WITH k AS (SELECT * FROM unnest(${p("seen_tenant", "uuid[]")}, ${p("seen_key", "text[]")}) AS k(t, key))
SELECT r.tenant_id, r.idempotency_key, r.id, r.request_hash, r.estimate_usd::text AS estimate, r.expires_at, r.warnings,
       NULL::uuid AS denied_usage
  FROM reservations r JOIN k ON r.tenant_id = k.t AND r.idempotency_key = k.key
UNION ALL
SELECT d.tenant_id, d.idempotency_key, NULL, NULL, NULL, NULL, NULL, d.usage_id
  FROM denied_keys d JOIN k ON d.tenant_id = k.t AND d.kind = 'reserve' AND d.idempotency_key = k.key`,
);

/** Whether a one-shot record's denial under this key was already counted on this usage row. */
export const DENIED_BEFORE = statement(
  "tollgate_denied_before",
  (p) => `
SELECT 1 FROM denied_keys
 WHERE tenant_id = ${p("tenant_id", "uuid")} AND kind = ${p("kind", "text")} AND idempotency_key = ${p("key", "text")} AND usage_id = ${p("usage_id", "uuid")}`,
);

/** The sweeper forgets denied keys older than `before` (a retry after that counts again). */
export const FORGET_DENIED_KEYS = statement(
  "tollgate_forget_denied_keys",
  (p) => `
DELETE FROM denied_keys WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM denied_keys WHERE denied_at < ${p("before", "timestamptz")} LIMIT ${p("limit", "int")}))`,
);

/**
 * Counted denials (ADR 0014), sent with a write only when it has some: their keys (so a retry
 * is not counted again) and the per tenant × day × quota × end user counts of the panel. The
 * usage rows' own counts are in the write's usage deltas. Every row touched here belongs to a
 * quota whose usage row the transaction holds locked, so these upserts never wait.
 */
export const WRITE_DENIALS = statement(
  "tollgate_write_denials",
  (p) => `
WITH d AS (
  SELECT * FROM unnest(${p("denied_tenant", "uuid[]")}, ${p("denied_user", "text[]")}, ${p("denied_quota", "uuid[]")},
                       ${p("denied_usage", "uuid[]")}, ${p("denied_key", "text[]")}, ${p("denied_estimate", "numeric[]")})
           AS d(tenant_id, user_id, quota_id, usage_id, key, usd)),
keys AS (
  INSERT INTO denied_keys (tenant_id, kind, idempotency_key, usage_id, denied_at)
  SELECT tenant_id, ${p("denied_kind", "text")}, key, usage_id, ${p("denied_at", "timestamptz")} FROM d
  ON CONFLICT DO NOTHING
  RETURNING 1)
INSERT INTO denials_daily AS x (tenant_id, day, quota_id, user_id, denied_count, denied_usd, last_denied_at)
SELECT tenant_id, (${p("denied_at", "timestamptz")} AT TIME ZONE 'UTC')::date, quota_id, coalesce(user_id, ''), count(*), sum(usd),
       ${p("denied_at", "timestamptz")}
  FROM d GROUP BY tenant_id, quota_id, coalesce(user_id, '')
  ORDER BY tenant_id, quota_id, coalesce(user_id, '')
ON CONFLICT (tenant_id, day, quota_id, user_id) DO UPDATE SET
  denied_count = x.denied_count + EXCLUDED.denied_count,
  denied_usd = x.denied_usd + EXCLUDED.denied_usd,
  last_denied_at = greatest(x.last_denied_at, EXCLUDED.last_denied_at)`,
);

/**
 * The batch's write: usage totals, cost records and rollups of its settles, and its new
 * reservations, in one statement. `costs` maps each settled reservation to its record's id.
 * (Reservations were marked settled by BATCH_HOLD: `settle_ids` is empty here.)
 */
export const BATCH_WRITE = statement(
  "tollgate_batch_write",
  (p) => `
WITH ${writeUsage(p)},
${writeLeases(p)},
${costCtes(p)},
costs AS (
  ${costInsert(p)}
  RETURNING id::text AS id, reservation_id),
created AS (
  INSERT INTO reservations (${RESERVATION_FIELDS.map(([c]) => c).join(", ")}, created_at)
  SELECT ${RESERVATION_FIELDS.map(([c]) => (c === "usage_ids" || c === "lease_ids" ? `x.${c}::uuid[]` : c === "warnings" ? "x.warnings::jsonb" : `x.${c}`)).join(", ")},
         ${p("now", "timestamptz")}
    FROM unnest(${RESERVATION_FIELDS.map(([c, t]) => p(`new_${c}`, `${t}[]`)).join(", ")})
      AS x(${RESERVATION_FIELDS.map(([c]) => c).join(", ")})
  RETURNING 1)
SELECT (SELECT json_object_agg(reservation_id, id) FROM costs) AS costs, (SELECT count(*) FROM created)::int AS created`,
);

/** The facts of reservations this process does not know, and the record of settled ones. */
export const READ_RESERVATIONS = statement(
  "tollgate_read_reservations",
  (p) => `
SELECT ${RESERVATION_COLUMNS},
       (SELECT json_build_object('id', c.id::text, 'cost', c.cost_usd::text, 'late', c.late)
          FROM cost_records c WHERE c.reservation_id = reservations.id) AS recorded
  FROM reservations WHERE id = ANY(${p("ids", "uuid[]")})`,
);

/** Returns holds (release, expiry): their estimates leave the usage rows and leases, which the caller locked. */
export const DROP_HOLDS = statement(
  "tollgate_drop_holds",
  (p) => `
WITH ${writeUsage(p)}, ${writeLeases(p)}
UPDATE reservations SET status = ${p("status", '"ReservationStatus"')}, finished_at = now() WHERE id = ANY(${p("ids", "uuid[]")})`,
);

/**
 * Opens a transaction whose statements run on generic plans: with array parameters PostgreSQL
 * would otherwise keep planning each execution afresh, and planning these statements costs
 * several times running them (ADR 0004, "Measurements").
 */
export const GENERIC_BEGIN = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan";
