// The data every workload runs on: a platform LLM quota, 1,000 tenants × 10 users with tenant
// and user quotas (all monthly, hard, limits never reached), the same budgets in the naive
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
  await pool.query(`INSERT INTO quota_usage (quota_id, period_start) SELECT id, $1 FROM quotas WHERE period = 'month'`, [
    periodStart("month", now),
  ]);

  await pool.query(`CREATE TABLE bench_naive_budget (
    key text PRIMARY KEY, limit_usd numeric(24,10) NOT NULL, spent_usd numeric(24,10) NOT NULL DEFAULT 0)`);
  await pool.query(
    `INSERT INTO bench_naive_budget (key, limit_usd) SELECT 't:' || t.id, $2 FROM tenants t WHERE t.slug LIKE $1 || '%'`,
    [SLUG, NEVER_REACHED_USD],
  );
  await pool.query("ANALYZE");
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

/** A tenant with only a $10 tenant quota (plus the platform one): one contended-limit round. */
export async function createContendedTenant(pool: pg.Pool, label: string, limitUsd: string): Promise<string> {
  const { rows } = await pool.query(`INSERT INTO tenants (slug, name) VALUES ($1, $1) RETURNING id`, [`bench-contended-${label}`]);
  await pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('tenant', $1::text, $1::uuid, 'llm', 'month', $2)`,
    [rows[0].id, limitUsd],
  );
  return rows[0].id;
}
