// Denials made visible (ADR 0014): what the panel shows of the requests Tollgate refused. Per
// quota and period the counts live on the usage row that refused them (quota_usage_current's
// denied_count / denied_usd); per tenant, UTC day, quota and end user in denials_daily. Money
// leaves here as exact decimal strings. Tenant reads run as the row-level-security role scoped
// to the tenant (withTenantScope), so a tenant admin only ever sees their own tenant's denials.
import { readPool } from "~/db/client.server.ts";
import { rows, type Queryable } from "~/db/rows.ts";
import { withTenantScope } from "~/db/transaction.server.ts";
import type { SpendRange } from "~/schemas/records.ts";
import { periodBounds } from "~/core/periods.ts";

export interface DeniedFigures {
  count: number;
  usd: string;
}

/** A quota's denials today (from denials_daily) and in its current period (from its usage row). */
export interface QuotaDenials {
  today: DeniedFigures;
  period: DeniedFigures;
}

export interface DenialBucket {
  /** First day of the bucket (the day, or the Monday of the ISO week), YYYY-MM-DD. */
  start: string;
  count: number;
  usd: string;
}

/** One end user (or the requests without one) capped by one quota in the range. */
export interface CappedUser {
  /** The end user's id; "" for requests that named no user. */
  userId: string;
  quotaId: string;
  scope: "platform" | "tenant" | "user" | "each_user";
  resource: "llm" | "sandbox" | "all";
  period: "day" | "week" | "month";
  count: number;
  usd: string;
  /** ISO timestamp of the latest denial. */
  lastDeniedAt: string;
}

export interface TenantDenials {
  today: DeniedFigures;
  byQuota: Record<string, QuotaDenials>;
  series: DenialBucket[];
  capped: CappedUser[];
}

export interface PlatformDenials {
  today: DeniedFigures;
  byQuota: Record<string, QuotaDenials>;
}

const NONE: DeniedFigures = { count: 0, usd: "0" };
export const CAPPED_ROWS = 50;
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Denials on one UTC day, platform-wide (tenantId null) or for one tenant. */
async function deniedOn(q: Queryable, day: string, tenantId: string | null): Promise<DeniedFigures> {
  const [r] = await rows<{ count: number; usd: string }>(
    q,
    `SELECT coalesce(sum(denied_count), 0)::int AS count, coalesce(sum(denied_usd), 0)::text AS usd
       FROM denials_daily WHERE day = $1::date AND ($2::uuid IS NULL OR tenant_id = $2::uuid)`,
    [day, tenantId],
  );
  return r;
}

/**
 * Per quota: denials today (optionally of one tenant) and in the quota's current period, as its
 * usage row counted them. `scope`: platform quotas, or one tenant's tenant-scope quotas.
 */
async function quotaDenials(q: Queryable, now: Date, tenantId: string | null): Promise<Record<string, QuotaDenials>> {
  const b = periodBounds(now);
  const found = await rows<{ id: string; today_count: number; today_usd: string; period_count: number; period_usd: string }>(
    q,
    `SELECT q.id,
            coalesce(d.count, 0)::int AS today_count, coalesce(d.usd, 0)::text AS today_usd,
            coalesce(u.denied_count, 0)::int AS period_count, coalesce(u.denied_usd, 0)::text AS period_usd
       FROM quotas q
       LEFT JOIN quota_usage_current u
         ON u.quota_id = q.id
        AND u.period_start = (CASE q.period WHEN 'day' THEN $2::date WHEN 'week' THEN $3::date ELSE $4::date END)::timestamp AT TIME ZONE 'UTC'
       LEFT JOIN LATERAL (SELECT sum(x.denied_count) AS count, sum(x.denied_usd) AS usd FROM denials_daily x
                           WHERE x.quota_id = q.id AND x.day = $2::date AND ($1::uuid IS NULL OR x.tenant_id = $1::uuid)) d ON true
      WHERE CASE WHEN $1::uuid IS NULL THEN q.scope = 'platform' ELSE q.scope = 'tenant' AND q.tenant_id = $1::uuid END`,
    [tenantId, b.day.start, b.week.start, b.month.start],
  );
  return Object.fromEntries(
    found.map((r) => [r.id, { today: { count: r.today_count, usd: r.today_usd }, period: { count: r.period_count, usd: r.period_usd } }]),
  );
}

/** The overview: denials today across all tenants, and per platform quota. Staff only (the route's guard). */
export async function getPlatformDenials(now = new Date()): Promise<PlatformDenials> {
  // A report: read where dashboards read (the replica when there is one, ADR 0013).
  const pool = readPool();
  const [today, byQuota] = await Promise.all([deniedOn(pool, isoDay(now.getTime()), null), quotaDenials(pool, now, null)]);
  return { today, byQuota };
}

/**
 * The tenant page: denials today, per tenant quota, over the range (every bucket present, zeros
 * where nothing was denied) and who hit a cap in the range (end user × quota, most denials first).
 */
export async function getTenantDenials(tenantId: string, range: SpendRange, now = new Date()): Promise<TenantDenials> {
  return withTenantScope(tenantId, async (tx) => {
    // One connection: these run one after another.
    const today = await deniedOn(tx, isoDay(now.getTime()), tenantId);
    const byQuota = await quotaDenials(tx, now, tenantId);
    const buckets = await rows<{ start: string; count: number; usd: string }>(
      tx,
      `SELECT date_trunc($4, day::timestamp)::date::text AS start, sum(denied_count)::int AS count, sum(denied_usd)::text AS usd
         FROM denials_daily WHERE tenant_id = $1::uuid AND day >= $2::date AND day <= $3::date
        GROUP BY 1`,
      [tenantId, range.from, range.to, range.grain],
    );
    const capped = await rows<{ user_id: string; quota_id: string; scope: CappedUser["scope"]; resource: CappedUser["resource"]; period: CappedUser["period"]; count: number; usd: string; last: Date }>(
      tx,
      `SELECT d.user_id, d.quota_id, q.scope, q.resource, q.period, sum(d.denied_count)::int AS count, sum(d.denied_usd)::text AS usd,
              max(d.last_denied_at) AS last
         FROM denials_daily d
         JOIN (SELECT id, scope::text AS scope, resource, period FROM quotas
               UNION
               -- The platform's per-user defaults: a tenant-scoped read sees their users' denials
               -- but not their quotas rows (RLS), only this view (ADR 0016).
               SELECT id, 'each_user', resource, period FROM platform_user_caps) q ON q.id = d.quota_id
        WHERE d.tenant_id = $1::uuid AND d.day >= $2::date AND d.day <= $3::date
        GROUP BY d.user_id, d.quota_id, q.scope, q.resource, q.period
        ORDER BY sum(d.denied_count) DESC, max(d.last_denied_at) DESC, d.user_id, d.quota_id
        LIMIT $4`,
      [tenantId, range.from, range.to, CAPPED_ROWS],
    );
    return {
      today,
      byQuota,
      series: fillBuckets(range, buckets),
      capped: capped.map((r) => ({
        userId: r.user_id, quotaId: r.quota_id, scope: r.scope, resource: r.resource, period: r.period,
        count: r.count, usd: r.usd, lastDeniedAt: new Date(r.last).toISOString(),
      })),
    };
  }, { pool: readPool() });
}

/** Every day (or ISO week) of the range, zeros where nothing was denied. */
function fillBuckets(range: SpendRange, found: { start: string; count: number; usd: string }[]): DenialBucket[] {
  const byStart = new Map(found.map((f) => [f.start, f]));
  const out: DenialBucket[] = [];
  let t = Date.parse(`${range.from}T00:00:00Z`);
  if (range.grain === "week") t -= ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
  const end = Date.parse(`${range.to}T00:00:00Z`);
  for (; t <= end; t += (range.grain === "week" ? 7 : 1) * DAY_MS) {
    const start = isoDay(t);
    const f = byStart.get(start);
    out.push({ start, count: f?.count ?? 0, usd: f?.usd ?? "0" });
  }
  return out;
}

/** No denials: for quotas the figures do not mention. */
export const noQuotaDenials: QuotaDenials = { today: NONE, period: NONE };
