// Spend summaries for the overview, tenants list and tenant page. Everything reads spend_daily
// (one row per day × tenant, kept exact by a trigger on spend_rollups), never raw cost_records
// nor the fine-grained rollups, so these pages stay fast at any ledger size. Money leaves here
// as exact decimal strings. The overview also lists what the analysis job found (open
// anomalies, forecast breaches).
import type pg from "pg";
import { readPool } from "~/db/client.server.ts";
import type { Queryable } from "~/db/rows.ts";
import { withTenantScope } from "~/db/transaction.server.ts";
import { utilizationPercent } from "~/core/index.ts";
import { money } from "~/core/money.ts";
import { periodBounds } from "~/core/periods.ts";
import { listForecasts, type ForecastView } from "./analysis/queries.server.ts";
import { openAnomaliesByTenant, type OpenAnomaliesOfTenant } from "./anomalies.page.server.ts";

type Period = "day" | "week" | "month";
type QuotaResource = "llm" | "sandbox" | "all";

export interface DailySpend {
  day: string; // YYYY-MM-DD (UTC)
  llmUsd: string;
  sandboxUsd: string;
}

export interface QuotaUtilization {
  id: string;
  resource: QuotaResource;
  period: Period;
  periodStart: string;
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
  /** spent / limit × 100, one decimal; may exceed 100 (costs are recorded even past a limit). */
  utilizationPercent: number;
  enforcement: "hard" | "soft";
  enabled: boolean;
}

export interface SpendSummary {
  todayUsd: string;
  monthUsd: string;
  monthLlmUsd: string;
  monthSandboxUsd: string;
}

/** A tenant or user quota whose current period is at or past the warning level. */
export interface NearLimitQuota {
  id: string;
  tenantSlug: string;
  tenantName: string;
  scope: "tenant" | "user";
  scopeId: string;
  resource: QuotaResource;
  period: Period;
  limitUsd: string;
  /** spent + reserved this period. */
  usedUsd: string;
  utilizationPercent: number;
}

export interface PlatformOverview extends SpendSummary {
  asOf: string;
  quotas: QuotaUtilization[];
  nearLimit: NearLimitQuota[];
  topTenants: { slug: string; name: string; monthUsd: string }[];
  trend: DailySpend[];
  /** Tenants with open anomaly findings, the most severe first, and how many findings are open in all. */
  openAnomalies: OpenAnomaliesOfTenant[];
  openAnomalyCount: number;
  /** Current-period forecasts that reach the limit before the period ends, soonest first. */
  forecastBreaches: ForecastView[];
}

export interface TenantListRow {
  id: string;
  slug: string;
  name: string;
  status: "active" | "suspended";
  monthUsd: string;
}

export interface TenantOverview extends SpendSummary {
  asOf: string;
  quotas: QuotaUtilization[];
  trend: DailySpend[];
}

const TREND_DAYS = 30;
const OVERVIEW_BREACHES = 10;
const DAY_MS = 86_400_000;

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function getPlatformOverview(now = new Date()): Promise<PlatformOverview> {
  // May be stale by the replica's replay lag (ADR 0013): a report, not a decision.
  const pool = readPool();
  const b = periodBounds(now);
  const [summary, quotas, nearLimit, topTenants, trend, anomalies, breaches, open] = await Promise.all([
    spendSummary(pool, b, null),
    quotaUtilization(pool, b, null),
    quotasNearLimit(pool, b),
    pool.query(
      `SELECT t.slug, t.name, sum(d.llm_usd + d.sandbox_usd)::text AS month_usd
         FROM spend_daily d JOIN tenants t ON t.id = d.tenant_id
        WHERE d.day >= $1 AND d.day < $2
        GROUP BY t.id HAVING sum(d.llm_usd + d.sandbox_usd) > 0
        ORDER BY sum(d.llm_usd + d.sandbox_usd) DESC, t.name LIMIT 10`,
      [b.month.start, b.month.end],
    ),
    dailyTrend(pool, now, null),
    openAnomaliesByTenant(pool),
    listForecasts({ breachesOnly: true, now, pool }),
    pool.query(`SELECT count(*)::int AS n FROM anomaly_findings WHERE status = 'open'`),
  ]);
  return {
    asOf: b.day.start,
    ...summary,
    quotas,
    nearLimit,
    topTenants: topTenants.rows.map((r) => ({ slug: r.slug, name: r.name, monthUsd: r.month_usd })),
    trend,
    openAnomalies: anomalies,
    openAnomalyCount: open.rows[0].n,
    // The job writes breachAt only inside the period; the filter keeps a stale row from claiming otherwise.
    forecastBreaches: breaches.filter((f) => f.breachAt! < f.periodEnd).slice(0, OVERVIEW_BREACHES),
  };
}

/** All tenants (optionally filtered by a name/slug substring) with their spend this month. */
export async function listTenantsWithSpend(search: string, now = new Date()): Promise<TenantListRow[]> {
  const b = periodBounds(now);
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : "";
  const { rows } = await readPool().query(
    `SELECT t.id, t.slug, t.name, t.status, coalesce(s.spent, 0)::text AS month_usd
       FROM tenants t
       LEFT JOIN (SELECT tenant_id, sum(llm_usd + sandbox_usd) AS spent FROM spend_daily
                   WHERE day >= $1 AND day < $2 GROUP BY tenant_id) s ON s.tenant_id = t.id
      WHERE $3 = '' OR t.name ILIKE $3 OR t.slug ILIKE $3
      ORDER BY t.name
      LIMIT 1000`,
    [b.month.start, b.month.end, pattern],
  );
  return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, status: r.status, monthUsd: r.month_usd }));
}

/**
 * One tenant's spend and quotas. The reads run as the row-level-security role scoped to the
 * tenant (defence in depth: a wrong filter below still cannot return another tenant's rows).
 */
export async function getTenantOverview(tenantId: string, now = new Date()): Promise<TenantOverview> {
  const b = periodBounds(now);
  return withTenantScope(
    tenantId,
    async (tx) => {
      // One connection: these run one after another, not in parallel.
      const summary = await spendSummary(tx, b, tenantId);
      const quotas = await quotaUtilization(tx, b, tenantId);
      const trend = await dailyTrend(tx, now, tenantId);
      return { asOf: b.day.start, ...summary, quotas, trend };
    },
    { pool: readPool() },
  );
}

type Bounds = ReturnType<typeof periodBounds>;

/** Today and this month (and its LLM/sandbox split), platform-wide or for one tenant, from spend_daily. */
export async function spendSummary(q: Queryable, b: Bounds, tenantId: string | null): Promise<SpendSummary> {
  const { rows } = await q.query(
    `SELECT coalesce(sum(llm_usd + sandbox_usd) FILTER (WHERE day = $1), 0)::text AS today,
            coalesce(sum(llm_usd + sandbox_usd), 0)::text AS month,
            coalesce(sum(llm_usd), 0)::text AS llm,
            coalesce(sum(sandbox_usd), 0)::text AS sandbox
       FROM spend_daily
      WHERE day >= $2 AND day < $3 AND ($4::uuid IS NULL OR tenant_id = $4::uuid)`,
    [b.day.start, b.month.start, b.month.end, tenantId],
  );
  const r = rows[0];
  return { todayUsd: r.today, monthUsd: r.month, monthLlmUsd: r.llm, monthSandboxUsd: r.sandbox };
}

/**
 * Quotas with the spend of their current period: platform quotas (tenantId null) or one
 * tenant's tenant-scope quotas. Spent comes from the rollups, like every other figure on the
 * page, so the numbers add up; reserved (open holds) from the period's quota_usage row.
 */
async function quotaUtilization(q: Queryable, b: Bounds, tenantId: string | null): Promise<QuotaUtilization[]> {
  const { rows } = await q.query(
    `SELECT q.id, q.resource, q.period, q.limit_usd::text AS limit_usd, q.enforcement, q.enabled,
            p.start::text AS period_start,
            (SELECT coalesce(sum(CASE q.resource WHEN 'llm' THEN d.llm_usd WHEN 'sandbox' THEN d.sandbox_usd
                                                 ELSE d.llm_usd + d.sandbox_usd END), 0)
               FROM spend_daily d
              WHERE d.day >= p.start AND d.day < p.stop
                AND ($7::uuid IS NULL OR d.tenant_id = $7::uuid))::text AS spent_usd,
            coalesce((SELECT u.reserved_usd FROM quota_usage_current u
                       WHERE u.quota_id = q.id AND u.period_start = (p.start::timestamp AT TIME ZONE 'UTC')), 0)::text
              AS reserved_usd
       FROM quotas q
      CROSS JOIN LATERAL (SELECT CASE q.period WHEN 'day' THEN $1::date WHEN 'week' THEN $3::date ELSE $5::date END AS start,
                                 CASE q.period WHEN 'day' THEN $2::date WHEN 'week' THEN $4::date ELSE $6::date END AS stop) p
      WHERE CASE WHEN $7::uuid IS NULL THEN q.scope = 'platform' ELSE q.scope = 'tenant' AND q.tenant_id = $7::uuid END
      ORDER BY array_position(ARRAY['day','week','month'], q.period::text),
               array_position(ARRAY['llm','sandbox','all'], q.resource::text)`,
    [b.day.start, b.day.end, b.week.start, b.week.end, b.month.start, b.month.end, tenantId],
  );
  return rows.map((r) => ({
    id: r.id,
    resource: r.resource,
    period: r.period,
    periodStart: r.period_start,
    limitUsd: r.limit_usd,
    spentUsd: r.spent_usd,
    reservedUsd: r.reserved_usd,
    // What the core counts: recorded spend plus open holds.
    utilizationPercent: utilizationPercent(money(r.spent_usd).add(r.reserved_usd), money(r.limit_usd)),
    enforcement: r.enforcement,
    enabled: r.enabled,
  }));
}

export const NEAR_LIMIT_PERCENT = 80;

/**
 * Tenant and user quotas at or above NEAR_LIMIT_PERCENT of their limit this period, counting
 * open holds (what the enforcement core counts), fullest first. Reads the small quota_usage
 * table: one row per quota per period.
 */
async function quotasNearLimit(q: Queryable, b: Bounds, limit = 10): Promise<NearLimitQuota[]> {
  const { rows } = await q.query(
    `SELECT q.id, t.slug, t.name, q.scope, q.scope_id, q.resource, q.period, q.limit_usd::text AS limit_usd,
            (u.spent_usd + u.reserved_usd)::text AS used_usd
       FROM quota_usage_current u
       JOIN quotas q ON q.id = u.quota_id
       JOIN tenants t ON t.id = q.tenant_id
      WHERE q.enabled AND q.scope IN ('tenant', 'user')
        AND u.period_start = (CASE q.period WHEN 'day' THEN $1::date WHEN 'week' THEN $2::date ELSE $3::date END
                              )::timestamp AT TIME ZONE 'UTC'
        AND (u.spent_usd + u.reserved_usd) * 100 >= q.limit_usd * $4
      ORDER BY (u.spent_usd + u.reserved_usd) / q.limit_usd DESC, t.name
      LIMIT $5`,
    [b.day.start, b.week.start, b.month.start, NEAR_LIMIT_PERCENT, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    tenantSlug: r.slug,
    tenantName: r.name,
    scope: r.scope,
    scopeId: r.scope_id,
    resource: r.resource,
    period: r.period,
    limitUsd: r.limit_usd,
    usedUsd: r.used_usd,
    utilizationPercent: utilizationPercent(money(r.used_usd), money(r.limit_usd)),
  }));
}

/** The last 30 UTC days ending today, every day present (zeros where nothing was spent). */
async function dailyTrend(q: Queryable, now: Date, tenantId: string | null): Promise<DailySpend[]> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const days = Array.from({ length: TREND_DAYS }, (_, i) => isoDay(new Date(today - (TREND_DAYS - 1 - i) * DAY_MS)));
  const { rows } = await q.query(
    `SELECT day::text AS day, sum(llm_usd)::text AS llm, sum(sandbox_usd)::text AS sandbox
       FROM spend_daily
      WHERE day >= $1 AND day <= $2 AND ($3::uuid IS NULL OR tenant_id = $3::uuid)
      GROUP BY day`,
    [days[0], days[days.length - 1], tenantId],
  );
  const byDay = new Map(days.map((day) => [day, { day, llmUsd: "0", sandboxUsd: "0" }]));
  for (const r of rows) {
    const entry = byDay.get(r.day);
    if (!entry) continue;
    // A day row carries both resources; one that was never spent on stays "0".
    if (!money(r.llm).isZero()) entry.llmUsd = r.llm;
    if (!money(r.sandbox).isZero()) entry.sandboxUsd = r.sandbox;
  }
  return [...byDay.values()];
}
