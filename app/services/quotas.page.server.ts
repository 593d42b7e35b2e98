// The quotas page's reads (every quota with this period's utilization, tenants for the filters,
// the default templates) and the two changes the API has no endpoint for: a bulk limit change
// and template edits. Single-quota changes go through quotas.server unchanged.
import { TollgateError, utilizationPercent } from "~/core/index.ts";
import { money } from "~/core/money.ts";
import { dbPool } from "~/db/client.server.ts";
import type { UpdateQuotaBody } from "~/schemas/admin.ts";
import { auditedChange, type Actor, type AuditEntry } from "./audit.server.ts";
import { periodBounds } from "~/core/periods.ts";
import { changeQuota, quotaJson, type QuotaJson } from "./quotas.server.ts";

export interface QuotaRow extends QuotaJson {
  tenantSlug: string | null;
  tenantName: string | null;
  spentUsd: string;
  reservedUsd: string;
  utilizationPercent: number;
}

export interface QuotaPageFilter {
  scope?: "platform" | "tenant" | "user" | "each_user";
  tenant?: string; // slug
  resource?: "llm" | "sandbox" | "all";
  period?: "day" | "week" | "month";
}

/**
 * Quotas with the spend of their current UTC period. Spent comes from the rollups of the
 * quota's scope (platform: all; tenant: its tenant; user: that end user of the tenant), like
 * the overview, so the figures agree across pages; reserved from the period's usage row.
 */
export async function listQuotaRows(f: QuotaPageFilter, now = new Date()): Promise<QuotaRow[]> {
  const b = periodBounds(now);
  const { rows } = await dbPool().query(
    `SELECT q.id, q.scope, q.scope_id, q.tenant_id, q.resource, q.period, q.limit_usd::text AS limit_usd, q.warning_thresholds,
            q.enforcement, q.enabled, q.created_at, q.updated_at, t.slug AS tenant_slug, t.name AS tenant_name,
            (SELECT coalesce(sum(r.cost_usd), 0) FROM spend_rollups r
              WHERE r.day >= p.start AND r.day < p.stop
                AND (q.resource = 'all' OR r.resource = q.resource)
                AND (q.scope = 'platform' OR r.tenant_id = q.tenant_id)
                AND (q.scope <> 'user' OR r.user_id = q.scope_id)
                -- A per-user default (ADR 0016) has no one figure: each end user has their own row.
                AND q.scope <> 'each_user')::text AS spent_usd,
            coalesce((SELECT u.reserved_usd FROM quota_usage_current u
                       WHERE u.quota_id = q.id AND u.period_start = (p.start::timestamp AT TIME ZONE 'UTC') AND u.subject = ''), 0)::text AS reserved_usd
       FROM quotas q
       LEFT JOIN tenants t ON t.id = q.tenant_id
      CROSS JOIN LATERAL (SELECT CASE q.period WHEN 'day' THEN $1::date WHEN 'week' THEN $3::date ELSE $5::date END AS start,
                                 CASE q.period WHEN 'day' THEN $2::date WHEN 'week' THEN $4::date ELSE $6::date END AS stop) p
      WHERE ($7::text IS NULL OR q.scope::text = $7) AND ($8::text IS NULL OR t.slug = $8)
        AND ($9::text IS NULL OR q.resource::text = $9) AND ($10::text IS NULL OR q.period::text = $10)
      ORDER BY CASE q.scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 ELSE 2 END, t.slug NULLS FIRST, q.scope_id,
               array_position(ARRAY['llm','sandbox','all'], q.resource::text), array_position(ARRAY['day','week','month'], q.period::text)`,
    [b.day.start, b.day.end, b.week.start, b.week.end, b.month.start, b.month.end, f.scope ?? null, f.tenant ?? null, f.resource ?? null, f.period ?? null],
  );
  return rows.map((r) => ({
    ...quotaJson(r),
    tenantSlug: r.tenant_slug,
    tenantName: r.tenant_name,
    spentUsd: r.spent_usd,
    reservedUsd: r.reserved_usd,
    // What the core counts: recorded spend plus open holds.
    utilizationPercent: utilizationPercent(money(r.spent_usd).add(r.reserved_usd), money(r.limit_usd)),
  }));
}

/** One new limit for several quotas, all or nothing, one audit entry per quota. */
export async function bulkSetLimit(actor: Actor, ids: string[], limitUsd: string, now = new Date()): Promise<number> {
  if (ids.length === 0) throw new TollgateError("invalid_request", "Select at least one quota.", [{ path: "ids", message: "select at least one quota" }]);
  const patch: UpdateQuotaBody = { limitUsd };
  return auditedChange(actor, async (tx) => {
    const audit: AuditEntry[] = [];
    // Sorted ids: two bulk edits over overlapping selections lock rows in the same order.
    for (const id of [...new Set(ids)].sort()) audit.push(...(await changeQuota(tx, id, patch, now)).audit);
    return { result: audit.length, audit };
  });
}

export interface DefaultQuotaJson {
  id: string;
  resourceType: "llm" | "sandbox" | "all";
  period: "day" | "week" | "month";
  limitUsd: string;
  warningThresholds: number[];
  enforcement: "hard" | "soft";
  enabled: boolean;
}

const TEMPLATE_COLUMNS = `id, resource, period, limit_usd::text AS limit_usd, warning_thresholds, enforcement, enabled`;
const templateJson = (r: any): DefaultQuotaJson => ({
  id: r.id,
  resourceType: r.resource,
  period: r.period,
  limitUsd: r.limit_usd,
  warningThresholds: r.warning_thresholds,
  enforcement: r.enforcement,
  enabled: r.enabled,
});

export async function listDefaultQuotas(): Promise<DefaultQuotaJson[]> {
  const { rows } = await dbPool().query(
    `SELECT ${TEMPLATE_COLUMNS} FROM default_quotas
      ORDER BY array_position(ARRAY['llm','sandbox','all'], resource::text), array_position(ARRAY['day','week','month'], period::text)`,
  );
  return rows.map(templateJson);
}

/** Templates are read by the tenant-insert trigger only, so an edit affects tenants created later. */
export async function updateDefaultQuota(actor: Actor, id: string, patch: UpdateQuotaBody): Promise<DefaultQuotaJson> {
  return auditedChange(actor, async (tx) => {
    const { rows: found } = await tx.query(`SELECT ${TEMPLATE_COLUMNS} FROM default_quotas WHERE id::text = $1 FOR UPDATE`, [id]);
    if (!found[0]) throw new TollgateError("not_found", "No such template.");
    const { rows } = await tx.query(
      `UPDATE default_quotas SET limit_usd = COALESCE($2::numeric, limit_usd), warning_thresholds = COALESCE($3::int[], warning_thresholds),
              enforcement = COALESCE($4::"Enforcement", enforcement), enabled = COALESCE($5::boolean, enabled)
        WHERE id = $1 RETURNING ${TEMPLATE_COLUMNS}`,
      [id, patch.limitUsd ?? null, patch.warningThresholds ?? null, patch.enforcement ?? null, patch.enabled ?? null],
    );
    const before = templateJson(found[0]);
    const after = templateJson(rows[0]);
    return { result: after, audit: [{ action: "default_quota.update", entityType: "default_quota", entityId: id, tenantId: null, before, after }] };
  });
}
