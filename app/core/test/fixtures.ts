// Small, explicit fixtures for every test against the database (the core's, the services' and
// the HTTP API's): rows inserted with plain SQL so each test states exactly the tenants, prices
// and quotas it depends on.
import type pg from "pg";

export async function createTenant(pool: pg.Pool, slug: string, name = slug): Promise<string> {
  const { rows } = await pool.query(`INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id`, [slug, name]);
  return rows[0].id;
}

export interface QuotaSpec {
  /** each_user: a per-user default — of tenantId's end users, or of every tenant's without one (ADR 0016). */
  scope: "platform" | "tenant" | "user" | "each_user";
  tenantId?: string;
  userId?: string;
  resource?: "llm" | "sandbox" | "all";
  period?: "day" | "week" | "month";
  limit: string;
  thresholds?: number[];
  enforcement?: "hard" | "soft";
}

export async function createQuota(pool: pg.Pool, q: QuotaSpec): Promise<string> {
  const scopeId = q.scope === "platform" || q.scope === "each_user" ? null : q.scope === "tenant" ? q.tenantId : q.userId;
  const { rows } = await pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, warning_thresholds, enforcement)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [q.scope, scopeId, q.scope === "platform" ? null : (q.tenantId ?? null), q.resource ?? "llm", q.period ?? "month", q.limit, q.thresholds ?? [], q.enforcement ?? "hard"],
  );
  return rows[0].id;
}

export async function addLlmPrice(pool: pg.Pool, p: { provider?: string; model: string; input: string; output: string; from: Date | string; to?: Date | string }) {
  await pool.query(
    `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from, effective_to)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [p.provider ?? "openai", p.model, p.input, p.output, p.from, p.to ?? null],
  );
}

export async function addSandboxPrice(pool: pg.Pool, tier: string, perSecond: string, from: Date | string = "2026-01-01") {
  await pool.query(`INSERT INTO sandbox_prices (tier, usd_per_second, effective_from) VALUES ($1, $2, $3)`, [tier, perSecond, from]);
}

export async function usageOf(pool: pg.Pool, quotaId: string) {
  const { rows } = await pool.query(
    `SELECT spent_usd::text AS spent, reserved_usd::text AS reserved, notified_thresholds AS notified
       FROM quota_usage_current WHERE quota_id = $1 ORDER BY period_start DESC LIMIT 1`,
    [quotaId],
  );
  return rows[0] as { spent: string; reserved: string; notified: number[] } | undefined;
}

/** A per-user default's row for one end user (ADR 0016), latest period first; undefined when the user has none. */
export async function userUsageOf(pool: pg.Pool, quotaId: string, tenantId: string, userId: string) {
  const { rows } = await pool.query(
    `SELECT spent_usd::text AS spent, reserved_usd::text AS reserved, notified_thresholds AS notified
       FROM quota_usage_current WHERE quota_id = $1 AND subject_tenant_id = $2 AND subject = $3 ORDER BY period_start DESC LIMIT 1`,
    [quotaId, tenantId, userId],
  );
  return rows[0] as { spent: string; reserved: string; notified: number[] } | undefined;
}

/** A clock tests can move. */
export function testClock(start: string) {
  let now = new Date(start).getTime();
  const clock = () => new Date(now);
  clock.set = (iso: string) => void (now = new Date(iso).getTime());
  clock.advance = (ms: number) => void (now += ms);
  return clock;
}

/** A tenant without the quotas the default templates give every new tenant. */
export async function createQuotaFreeTenant(pool: pg.Pool, slug: string): Promise<string> {
  const id = await createTenant(pool, slug);
  await pool.query(`DELETE FROM quotas WHERE tenant_id = $1`, [id]);
  return id;
}
