// The data every workload runs on: a platform LLM quota, 1,000 tenants × 10 users with tenant
// and user quotas and a per-user default per tenant (ADR 0016; the 10 users' own quotas
// override it, so only spread-users' new users meet it) (all monthly, hard, limits never
// reached), the same budgets in the naive
// peer's table, and the current month's usage rows already present (a running system is
// mid-month; the first use of a period, which creates the row, is not what we measure).
// The peers keep one budget per tenant (keyed like the tenant quota): they check no hierarchy.
import type pg from "pg";
import { periodStart } from "../../app/core/index.ts";

export const TENANTS = 1000;
export const USERS_PER_TENANT = 10;
/** High enough never to deny in hot/spread: 10^9 USD. */
export const NEVER_REACHED_USD = "1000000000";
const SLUG = "bench-t";

export interface Target {
  tenantId: string;
  userId: string | null;
}

export interface Targets {
  hot: Target;
  tenants: string[];
}

/** The peers' budget key: like the tenant quota (BENCH.md keys rate-limiter-flexible so; naive too). */
export const tenantKey = (t: Target) => `t:${t.tenantId}`;

export async function createFixture(pool: pg.Pool, now: Date) {
  await pool.query(
    `INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('platform', 'llm', 'month', $1)`,
    [NEVER_REACHED_USD],
  );
  await pool.query(
    `INSERT INTO tenants (slug, name) SELECT $1 || i, 'Bench tenant ' || i FROM generate_series(0, $2::int - 1) i`,
    [SLUG, TENANTS],
  );
  await pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd)
     SELECT 'tenant', t.id::text, t.id, 'llm', 'month', $2 FROM tenants t WHERE t.slug LIKE $1 || '%'`,
    [SLUG, NEVER_REACHED_USD],
  );
  await pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd)
     SELECT 'user', 'u' || j, t.id, 'llm', 'month', $3 FROM tenants t, generate_series(0, $2::int - 1) j
      WHERE t.slug LIKE $1 || '%'`,
    [SLUG, USERS_PER_TENANT, NEVER_REACHED_USD],
  );
  await pool.query(
    `INSERT INTO quotas (tenant_id, scope, resource, period, limit_usd)
     SELECT t.id, 'each_user', 'llm', 'month', $2 FROM tenants t WHERE t.slug LIKE $1 || '%'`,
    [SLUG, NEVER_REACHED_USD],
  );
  // Per-user default rows are created by each end user's first request: none here.
  await pool.query(`INSERT INTO quota_usage (quota_id, period_start) SELECT id, $1 FROM quotas WHERE period = 'month' AND scope <> 'each_user'`, [
    periodStart("month", now),
  ]);

  await pool.query(`CREATE TABLE bench_naive_budget (
    key text PRIMARY KEY, limit_usd numeric(24,10) NOT NULL, spent_usd numeric(24,10) NOT NULL DEFAULT 0)`);
  await pool.query(
    `INSERT INTO bench_naive_budget (key, limit_usd) SELECT 't:' || t.id, $2 FROM tenants t WHERE t.slug LIKE $1 || '%'`,
    [SLUG, NEVER_REACHED_USD],
  );
  await addHistory(pool, now);
  await pool.query("ANALYZE");
}

/** Settled reservations of last month (with their cost records) in the history. */
export const HISTORY_ROWS = 100_000;

/**
 * Last month's settled reservations and cost records, as a running system has. Without them
 * the benchmark starts on empty ledger tables, and every connection keeps the plan it made
 * then for the foreign-key checks of cost records on reservations — a sequential scan, 0.25 ms
 * per record once the table has grown (measured; docs/benchmarks.md). Last month is outside
 * every usage row the bench creates, so reconcile() and the checks see none of it.
 */
async function addHistory(pool: pg.Pool, now: Date) {
  const month = periodStart("month", now);
  const start = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - 1, 1));
  await pool.query(
    `WITH t AS (SELECT array_agg(id ORDER BY slug) AS ids FROM tenants WHERE slug LIKE $1 || '%'),
     r AS (
       INSERT INTO reservations (tenant_id, user_id, resource, idempotency_key, request_hash, estimate_usd, usage_ids,
                                 status, expires_at, created_at, finished_at)
       SELECT t.ids[1 + i % array_length(t.ids, 1)], 'u' || (i / 1000) % $4, 'llm', 'history-' || i, 'history', 0.01, '{}',
              'settled', ts + interval '15 minutes', ts, ts + interval '2 seconds'
         FROM t, generate_series(0, $2::int - 1) i,
              LATERAL (SELECT $3::timestamptz + (i * interval '20 seconds') AS ts) x
       RETURNING id, tenant_id, user_id, created_at)
     INSERT INTO cost_records (tenant_id, user_id, resource, cost_usd, estimated_cost_usd, reservation_id, occurred_at)
     SELECT tenant_id, user_id, 'llm', 0.01, 0.01, id, created_at FROM r`,
    [SLUG, HISTORY_ROWS, start, USERS_PER_TENANT],
  );
}

export async function loadTargets(pool: pg.Pool): Promise<Targets> {
  const { rows } = await pool.query(
    `SELECT id FROM tenants WHERE slug LIKE $1 || '%' ORDER BY substr(slug, length($1) + 1)::int`,
    [SLUG],
  );
  const tenants = rows.map((r) => r.id as string);
  if (tenants.length !== TENANTS) throw new Error(`expected ${TENANTS} bench tenants, found ${tenants.length}`);
  return { hot: { tenantId: tenants[0], userId: "u0" }, tenants };
}

export function randomTarget(t: Targets): Target {
  return {
    tenantId: t.tenants[Math.floor(Math.random() * t.tenants.length)],
    userId: `u${Math.floor(Math.random() * USERS_PER_TENANT)}`,
  };
}

/** spread-users: 9 of 10 operations come from an end user never seen before (named after the operation's key), 1 from one of the fixture's. */
export function newUserTarget(t: Targets, key: string): Target {
  const target = randomTarget(t);
  return Math.random() < 0.9 ? { ...target, userId: `new-${key}` } : target;
}

/** A tenant with only a $10 tenant quota (plus the platform one): one contended-limit round. */
export async function createContendedTenant(pool: pg.Pool, label: string, limitUsd: string): Promise<string> {
  const { rows } = await pool.query(`INSERT INTO tenants (slug, name) VALUES ($1, $1) RETURNING id`, [`bench-contended-${label}`]);
  await pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('tenant', $1::text, $1::uuid, 'llm', 'month', $2)`,
    [rows[0].id, limitUsd],
  );
  return rows[0].id;
}
