// What the panel and the API read from the analysis (contract 6 of issue #7): findings,
// forecasts of the current periods, TTL advice, and the one write — a reviewer acknowledging or
// dismissing a finding (audited in the same transaction).
//
// Money is returned as exact decimal strings (NUMERIC text, e.g. "12.3400000000"); convert with
// toJson() for JSON bodies or Number() for charts. Times are ISO strings, days YYYY-MM-DD.
import type pg from "pg";
import { money, periodEnd, periodStart, TollgateError, type Period } from "~/core/index.ts";
import { toDb } from "~/core/money.ts";
import { dbPool } from "~/db/client.server.ts";
import { auditedChange, type Actor } from "../audit.server.ts";
import { denseDays, isoDay, quotaDailySpend } from "./spend-series.server.ts";
import { enqueueResolve } from "../alerts/outbox.server.ts";
import { scopedRead } from "./scoped-read.server.ts";
import type { RateBasis } from "./job.server.ts";

export type AnomalyStatus = "open" | "acknowledged" | "dismissed";

export interface AnomalyView {
  id: string;
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  resource: "llm" | "sandbox";
  day: string;
  /** 0–23 (UTC) for an hourly spike; null for a daily finding. */
  hour: number | null;
  actualUsd: string;
  expectedUsd: string;
  score: number;
  severity: "low" | "medium" | "high";
  status: AnomalyStatus;
  reviewedBy: string | null;
  reviewedAt: string | null;
  createdAt: string;
}

/** The columns anomalyView reads (with `a` the finding, `t` its tenant). */
export const ANOMALY_COLUMNS = `a.id, a.tenant_id, t.slug, t.name, a.resource::text AS resource, to_char(a.day, 'YYYY-MM-DD') AS day,
  a.hour, a.actual_usd::text AS actual, a.expected_usd::text AS expected, a.score, a.severity, a.status::text AS status,
  a.reviewed_by, a.reviewed_at, a.created_at`;

export function anomalyView(r: any): AnomalyView {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    tenantSlug: r.slug,
    tenantName: r.name,
    resource: r.resource,
    day: r.day,
    hour: r.hour < 0 ? null : r.hour,
    actualUsd: r.actual,
    expectedUsd: r.expected,
    score: Number(r.score),
    severity: r.severity,
    status: r.status,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at ? new Date(r.reviewed_at).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** Newest day first (a day's hourly spikes, latest hour first, before its daily finding). from/to: YYYY-MM-DD, inclusive. */
export async function listAnomalies(
  opts: { tenantId?: string; from?: string; to?: string; status?: AnomalyStatus; limit?: number; pool?: pg.Pool } = {},
): Promise<AnomalyView[]> {
  const rows = await scopedRead(
    opts.pool ?? dbPool(),
    opts.tenantId,
    `SELECT ${ANOMALY_COLUMNS}
       FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id
      WHERE ($1::uuid IS NULL OR a.tenant_id = $1::uuid) AND ($2::date IS NULL OR a.day >= $2::date)
        AND ($3::date IS NULL OR a.day <= $3::date) AND ($4::"AnomalyStatus" IS NULL OR a.status = $4::"AnomalyStatus")
      ORDER BY a.day DESC, a.hour DESC, a.score DESC
      LIMIT $5`,
    [opts.tenantId ?? null, opts.from ?? null, opts.to ?? null, opts.status ?? null, opts.limit ?? 500],
  );
  return rows.map(anomalyView);
}

/**
 * Acknowledge, dismiss or re-open a finding. `tenantId` (when given) must own the finding, so a
 * tenant-scoped caller cannot reach another tenant's; unknown → not_found.
 */
export async function setAnomalyStatus(opts: { id: string; status: AnomalyStatus; actor: Actor; tenantId?: string; pool?: pg.Pool }): Promise<AnomalyView> {
  const action = { open: "anomaly.reopen", acknowledged: "anomaly.acknowledge", dismissed: "anomaly.dismiss" }[opts.status];
  return auditedChange(
    opts.actor,
    async (tx) => {
      const select = `SELECT ${ANOMALY_COLUMNS} FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id
                       WHERE a.id::text = $1 AND ($2::uuid IS NULL OR a.tenant_id = $2::uuid)`;
      const before = (await tx.query(`${select} FOR UPDATE OF a`, [opts.id, opts.tenantId ?? null])).rows[0];
      if (!before) throw new TollgateError("not_found", "No such anomaly finding.");
      const reviewed = opts.status === "open" ? [null, null] : [opts.actor.label, new Date()];
      await tx.query(`UPDATE anomaly_findings SET status = $2::"AnomalyStatus", reviewed_by = $3, reviewed_at = $4 WHERE id = $1`, [
        before.id, opts.status, ...reviewed,
      ]);
      const after = anomalyView((await tx.query(select, [opts.id, null])).rows[0]);
      const b = anomalyView(before);
      // A dismissed finding was a false alarm: close the PagerDuty incidents it opened, in the
      // same transaction (the worker sends the resolve events).
      if (opts.status === "dismissed") await enqueueResolve((text, params) => tx.query(text, params), `anomaly:${b.id}`);
      return {
        result: after,
        audit: [{
          action, entityType: "anomaly_finding", entityId: b.id, tenantId: b.tenantId,
          before: { status: b.status, reviewedBy: b.reviewedBy }, after: { status: after.status, reviewedBy: after.reviewedBy },
        }],
      };
    },
    { pool: opts.pool },
  );
}

export interface ForecastView {
  id: string;
  quotaId: string;
  scope: "platform" | "tenant" | "user";
  scopeId: string | null;
  tenantId: string | null;
  tenantSlug: string | null;
  tenantName: string | null;
  resource: "llm" | "sandbox" | "all";
  period: Period;
  enforcement: "hard" | "soft";
  /** ISO timestamps of the period's start and end (exclusive). */
  periodStart: string;
  periodEnd: string;
  limitUsd: string;
  spentUsd: string;
  forecastUsd: string;
  lowUsd: string;
  highUsd: string;
  /** Predicted time spend reaches the limit (≤ computedAt: already there); null = not this period. */
  breachAt: string | null;
  /** When the forecast was computed: where the actual line ends and the forecast begins. */
  computedAt: string;
  /** What the rate was drawn from and the days left out of it ({} for forecasts stored before issue #14). */
  rateBasis: Partial<RateBasis>;
}

/**
 * The forecast of each enabled quota for its CURRENT period (one row per quota; a quota the job
 * has not reached yet this period is absent). tenantId: that tenant's tenant and user quotas;
 * without it every quota, platform ones included. breachesOnly: only predicted breaches.
 */
export async function listForecasts(
  opts: { tenantId?: string; breachesOnly?: boolean; now?: Date; pool?: pg.Pool } = {},
): Promise<ForecastView[]> {
  const now = opts.now ?? new Date();
  const rows = await scopedRead(
    opts.pool ?? dbPool(),
    opts.tenantId,
    `SELECT f.id, f.quota_id, q.scope::text AS scope, q.scope_id, q.tenant_id, t.slug, t.name, q.resource::text AS resource,
            q.period::text AS period, q.enforcement::text AS enforcement, f.period_start, f.limit_usd::text AS limit_usd,
            f.spent_usd::text AS spent, f.forecast_usd::text AS forecast, f.low_usd::text AS low, f.high_usd::text AS high,
            f.breach_at, f.computed_at, f.rate_basis
       FROM forecasts f JOIN quotas q ON q.id = f.quota_id LEFT JOIN tenants t ON t.id = q.tenant_id
      WHERE q.enabled AND f.period_start = CASE q.period WHEN 'day' THEN $2::timestamptz WHEN 'week' THEN $3::timestamptz ELSE $4::timestamptz END
        AND ($1::uuid IS NULL OR q.tenant_id = $1::uuid) AND (NOT $5::boolean OR f.breach_at IS NOT NULL)
      ORDER BY f.breach_at NULLS LAST, CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, t.slug, q.scope_id,
               CASE q.resource WHEN 'llm' THEN 0 WHEN 'sandbox' THEN 1 ELSE 2 END`,
    [opts.tenantId ?? null, periodStart("day", now), periodStart("week", now), periodStart("month", now), opts.breachesOnly ?? false],
  );
  return rows.map((r) => ({
    id: r.id,
    quotaId: r.quota_id,
    scope: r.scope,
    scopeId: r.scope_id,
    tenantId: r.tenant_id,
    tenantSlug: r.slug ?? null,
    tenantName: r.name ?? null,
    resource: r.resource,
    period: r.period,
    enforcement: r.enforcement,
    periodStart: new Date(r.period_start).toISOString(),
    periodEnd: periodEnd(r.period, new Date(r.period_start)).toISOString(),
    limitUsd: r.limit_usd,
    spentUsd: r.spent,
    forecastUsd: r.forecast,
    lowUsd: r.low,
    highUsd: r.high,
    breachAt: r.breach_at ? new Date(r.breach_at).toISOString() : null,
    computedAt: new Date(r.computed_at).toISOString(),
    rateBasis: r.rate_basis ?? {},
  }));
}

/** Actual spend of a quota's scope per day of its current period, with the running total (the forecast chart's "actual to date"). */
export async function forecastActuals(opts: { quotaId: string; now?: Date; pool?: pg.Pool }) {
  const pool = opts.pool ?? dbPool();
  const now = opts.now ?? new Date();
  const { rows } = await pool.query(
    `SELECT scope::text AS scope, scope_id AS "scopeId", tenant_id AS "tenantId", resource::text AS resource, period::text AS period FROM quotas WHERE id::text = $1`,
    [opts.quotaId],
  );
  if (!rows[0]) throw new TollgateError("not_found", "No such quota.");
  const start = periodStart(rows[0].period, now);
  const end = new Date(Date.parse(isoDay(now)) + 86_400_000);
  let total = money(0);
  const days = denseDays(await quotaDailySpend(pool, rows[0], start, end), start, end).map((d) => {
    total = total.add(d.usd);
    return { day: d.day, usd: d.usd, cumulativeUsd: toDb(total) };
  });
  return { periodStart: start.toISOString(), periodEnd: periodEnd(rows[0].period, now).toISOString(), days };
}

// TTL advice has its own store beside its method.
export { listTtlAdvice, type StoredTtlAdvice } from "./ttl-advice-store.server.ts";
export { TTL_WINDOW_DAYS, type TtlAdviceRow } from "./ttl-advice.server.ts";
