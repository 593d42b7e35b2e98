// "Users at or near their default cap" (issue #17, ADR 0016): the end users whose row of a
// per-user default (`each_user`) is at or above NEAR_LIMIT_PERCENT of its limit in the default's
// current period, counting open holds, fullest first. It reads only the rows flagged `near`
// (kept by triggers on quota_usage, indexed WHERE near: migrations 20261202163000/163100), never
// every per-user row, and filters on the row's own figures too, so a flag that lags can only
// cost a row read, never put a user below the line on the list. Per-user rows are never leased
// (ADR 0009/0016): quota_usage itself holds their exact spent and held amounts.
//
// Platform-wide (staff), or one tenant's users as the row-level-security role scoped to it — for
// everyone who opens a tenant's page, so a tenant admin only ever sees their own tenant's users.
// That role sees its users' rows under its own defaults and the platform's; the platform's caps
// through the view platform_user_caps (their quota rows stay hidden).
import type { Queryable } from "~/db/rows.ts";
import { rows } from "~/db/rows.ts";
import { dbPool, readPool } from "~/db/client.server.ts";
import { withTenantScope } from "~/db/transaction.server.ts";
import { utilizationPercent } from "~/core/index.ts";
import { money, toDb } from "~/core/money.ts";
import { periodBounds } from "~/core/periods.ts";
import { NEAR_LIMIT_PERCENT } from "./spend.page.server.ts";

type Period = "day" | "week" | "month";
type QuotaResource = "llm" | "sandbox" | "all";

/** One end user at or past NEAR_LIMIT_PERCENT of one default cap this period. */
export interface NearCapUser {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  userId: string;
  quotaId: string;
  /** Whose default: the user's tenant's, or the platform's (every tenant's end users). */
  defaultOf: "tenant" | "platform";
  resource: QuotaResource;
  period: Period;
  /** First day of the current period, YYYY-MM-DD (UTC). */
  periodStart: string;
  limitUsd: string;
  spentUsd: string;
  /** Open holds (reservations not yet settled). */
  heldUsd: string;
  /** spent + held: what the next reservation is checked against. */
  usedUsd: string;
  /** (spent + held) / limit × 100, two decimals; may pass 100 (costs are recorded even past a limit). */
  utilizationPercent: number;
  /** spent + held ≥ limit: the next request that needs more is denied (hard) or warned (soft). */
  atCap: boolean;
  enforcement: "hard" | "soft";
}

/** The fullest users (up to `limit`) and how many are near / at the cap in all. */
export interface NearCapList {
  /** Today (UTC), YYYY-MM-DD: the end of the periods read. */
  asOf: string;
  users: NearCapUser[];
  nearCount: number;
  atCapCount: number;
}

/** One default's per-user figures this period, for the quota views (instead of a scope total). */
export interface DefaultCapFigures {
  quotaId: string;
  nearCount: number;
  atCapCount: number;
  /** Its fullest users, fullest first (up to `perDefault`). */
  top: NearCapUser[];
}

/**
 * `platform`: a staff read of every tenant's users; `tenant`: one tenant's users, read as that
 * tenant's row-level-security role (its own defaults and the platform's).
 */
export type NearCapScope = { kind: "platform" } | { kind: "tenant"; tenantId: string };

export const NEAR_CAP_ROWS = 50;

// The rows past the line. $1–$3 the current day, week and month starts; $4 the tenant (NULL:
// all); $5 the percent; $6 one default (NULL: all). A default's current period is fixed per
// quota, so the near index is probed by (quota, period[, tenant]). Rule 3 of ADR 0016: a user
// whose own enabled `user` quota of the same resource and period overrides their tenant's
// default is not listed under it. MATERIALIZED: read once, then counted and ranked.
const NEAR_ROWS = `
WITH d AS (
  SELECT q.id, q.tenant_id, q.resource, q.period, q.limit_usd, q.enforcement,
         (CASE q.period WHEN 'day' THEN $1::date WHEN 'week' THEN $2::date ELSE $3::date END)::timestamp AT TIME ZONE 'UTC' AS ps
    FROM (SELECT id, tenant_id, resource, period, limit_usd, enforcement, enabled FROM quotas WHERE scope = 'each_user'
          UNION
          -- The platform's defaults: a tenant-scoped read cannot see their quotas rows (RLS), only this view.
          SELECT id, NULL::uuid, resource, period, limit_usd, enforcement, enabled FROM platform_user_caps) q
   WHERE q.enabled AND ($4::uuid IS NULL OR q.tenant_id IS NULL OR q.tenant_id = $4::uuid)
     AND ($6::uuid IS NULL OR q.id = $6::uuid)
), n AS MATERIALIZED (
  SELECT d.id, d.tenant_id AS default_tenant, d.resource, d.period, d.ps, d.limit_usd, d.enforcement,
         u.subject, u.subject_tenant_id, u.spent_usd, u.reserved_usd, u.spent_usd + u.reserved_usd AS used
    FROM d JOIN quota_usage u ON u.quota_id = d.id AND u.period_start = d.ps AND u.near
                              AND ($4::uuid IS NULL OR u.subject_tenant_id = $4::uuid)
   WHERE (u.spent_usd + u.reserved_usd) * 100 >= d.limit_usd * $5
     AND NOT (d.tenant_id IS NOT NULL AND EXISTS (
           SELECT 1 FROM quotas o WHERE o.scope = 'user' AND o.tenant_id = u.subject_tenant_id AND o.scope_id = u.subject
                                    AND o.resource = d.resource AND o.period = d.period AND o.enabled))
)`;

const ROW_COLUMNS = `r.id, r.default_tenant, r.resource, r.period, (r.ps AT TIME ZONE 'UTC')::date::text AS period_start,
       r.limit_usd::text AS limit_usd, r.enforcement, r.subject, r.subject_tenant_id, t.slug, t.name,
       r.spent_usd::text AS spent_usd, r.reserved_usd::text AS reserved_usd`;

/** Fullest first by share of the limit (a top-N sort, not a full one), with the counts of all; $7 how many. */
const LIST_SQL = `${NEAR_ROWS},
top AS (
  SELECT * FROM n ORDER BY used / nullif(limit_usd, 0) DESC NULLS FIRST, used DESC, subject_tenant_id, subject, id LIMIT $7
)
SELECT ${ROW_COLUMNS}, c.near_all, c.at_all
  FROM top r JOIN tenants t ON t.id = r.subject_tenant_id
 CROSS JOIN (SELECT count(*)::int AS near_all, count(*) FILTER (WHERE used >= limit_usd)::int AS at_all FROM n) c
 ORDER BY r.used / nullif(r.limit_usd, 0) DESC NULLS FIRST, r.used DESC, r.subject_tenant_id, r.subject, r.id`;

/** Per default: its counts and its $7 fullest users. */
const FIGURES_SQL = `${NEAR_ROWS},
counts AS (SELECT id, count(*)::int AS near_default, count(*) FILTER (WHERE used >= limit_usd)::int AS at_default FROM n GROUP BY id),
ranked AS (SELECT n.*, row_number() OVER (PARTITION BY id ORDER BY used DESC, subject_tenant_id, subject) AS within FROM n)
SELECT ${ROW_COLUMNS}, c.near_default, c.at_default
  FROM ranked r JOIN counts c ON c.id = r.id JOIN tenants t ON t.id = r.subject_tenant_id
 WHERE r.within <= $7
 ORDER BY r.id, r.within`;

interface NearRow {
  id: string;
  default_tenant: string | null;
  resource: QuotaResource;
  period: Period;
  period_start: string;
  limit_usd: string;
  enforcement: "hard" | "soft";
  subject: string;
  subject_tenant_id: string;
  slug: string;
  name: string;
  spent_usd: string;
  reserved_usd: string;
}

function toUser(r: NearRow): NearCapUser {
  const used = money(r.spent_usd).add(r.reserved_usd);
  return {
    tenantId: r.subject_tenant_id,
    tenantSlug: r.slug,
    tenantName: r.name,
    userId: r.subject,
    quotaId: r.id,
    defaultOf: r.default_tenant === null ? "platform" : "tenant",
    resource: r.resource,
    period: r.period,
    periodStart: r.period_start,
    limitUsd: r.limit_usd,
    spentUsd: r.spent_usd,
    heldUsd: r.reserved_usd,
    usedUsd: toDb(used),
    utilizationPercent: utilizationPercent(used, money(r.limit_usd)),
    atCap: used.gte(r.limit_usd),
    enforcement: r.enforcement,
  };
}

/**
 * The read, with its values: `list` the `limit` fullest users with the counts of all;
 * `figures` each default's counts and `limit` fullest (`quotaId`: that default only). Exported
 * for bench:user-caps, which EXPLAINs it.
 */
export function nearCapQuery(scope: NearCapScope, now: Date, what: { list: number } | { figures: number; quotaId?: string | null }) {
  const b = periodBounds(now);
  const tenantId = scope.kind === "tenant" ? scope.tenantId : null;
  const head = [b.day.start, b.week.start, b.month.start, tenantId, NEAR_LIMIT_PERCENT];
  return "list" in what
    ? { text: LIST_SQL, values: [...head, null, what.list] }
    : { text: FIGURES_SQL, values: [...head, what.quotaId ?? null, what.figures] };
}

/**
 * `fresh`: read the primary — for pages that show a limit their own form just saved (the quota
 * pages); otherwise a report on the read pool, which may be stale by the replica's replay lag
 * (ADR 0013), like the tenant page and the explorer around it.
 */
interface ReadOptions {
  now?: Date;
  fresh?: boolean;
}

async function readNear<R extends NearRow>(scope: NearCapScope, opts: ReadOptions, query: { text: string; values: unknown[] }): Promise<R[]> {
  const run = (q: Queryable) => rows<R>(q, query.text, query.values);
  const pool = opts.fresh ? dbPool() : readPool();
  if (scope.kind === "platform") return run(pool);
  return withTenantScope(scope.tenantId, run, { pool });
}

/**
 * End users at or past NEAR_LIMIT_PERCENT of a default cap this period, fullest first (by share
 * of their limit), platform-wide or of one tenant: the first `limit`, and the counts of all.
 */
export async function usersNearDefaultCap(scope: NearCapScope, opts: ReadOptions & { limit?: number } = {}): Promise<NearCapList> {
  const now = opts.now ?? new Date();
  const found = await readNear<NearRow & { near_all: number; at_all: number }>(scope, opts, nearCapQuery(scope, now, { list: opts.limit ?? NEAR_CAP_ROWS }));
  return {
    asOf: periodBounds(now).day.start,
    users: found.map(toUser),
    nearCount: found[0]?.near_all ?? 0,
    atCapCount: found[0]?.at_all ?? 0,
  };
}

/**
 * Per default cap in scope (keyed by quota id; a default nobody is near has no entry): how many
 * of its users are near / at it this period and its `perDefault` fullest users. `quotaId`: that
 * default only.
 */
export async function defaultCapFigures(
  scope: NearCapScope,
  opts: ReadOptions & { perDefault?: number; quotaId?: string } = {},
): Promise<Record<string, DefaultCapFigures>> {
  const query = nearCapQuery(scope, opts.now ?? new Date(), { figures: opts.perDefault ?? 10, quotaId: opts.quotaId });
  const found = await readNear<NearRow & { near_default: number; at_default: number }>(scope, opts, query);
  const out: Record<string, DefaultCapFigures> = {};
  for (const r of found) {
    (out[r.id] ??= { quotaId: r.id, nearCount: r.near_default, atCapCount: r.at_default, top: [] }).top.push(toUser(r));
  }
  return out;
}
