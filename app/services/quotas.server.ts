// Quota administration, shared by /api/v1/quotas and the control panel's quota pages. Every
// change runs through auditedChange: the quota row and its audit entry commit together.
import { isUuid, type Period, periodStart, toJson, TollgateError } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import type { CreateQuotaBody, QuotaListQuery, UpdateQuotaBody } from "~/schemas/admin.ts";
import { auditedChange, type Actor, type Tx } from "./audit.server.ts";

export interface QuotaJson {
  id: string;
  /** each_user: a default for every end user (of every tenant with tenantId null, else of that tenant; ADR 0016). */
  scope: "platform" | "tenant" | "user" | "each_user";
  scopeId: string | null;
  tenantId: string | null;
  resourceType: "llm" | "sandbox" | "all";
  period: Period;
  limitUsd: number;
  warningThresholds: number[];
  enforcement: "hard" | "soft";
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

type Queryable = Pick<Tx, "query">;

const COLUMNS = `id, scope, scope_id, tenant_id, resource, period, limit_usd::text AS limit_usd, warning_thresholds,
  enforcement, enabled, created_at, updated_at`;
const ORDER = `CASE scope WHEN 'platform' THEN 0 WHEN 'tenant' THEN 1 WHEN 'each_user' THEN 2 ELSE 3 END, tenant_id NULLS FIRST, scope_id,
  CASE resource WHEN 'llm' THEN 0 WHEN 'sandbox' THEN 1 ELSE 2 END, CASE period WHEN 'day' THEN 0 WHEN 'week' THEN 1 ELSE 2 END`;
const CONFLICT = "A quota for this scope, resource and period already exists.";

export function quotaJson(r: any): QuotaJson {
  return {
    id: r.id,
    scope: r.scope,
    scopeId: r.scope_id,
    tenantId: r.tenant_id,
    resourceType: r.resource,
    period: r.period,
    limitUsd: toJson(r.limit_usd),
    warningThresholds: r.warning_thresholds,
    enforcement: r.enforcement,
    enabled: r.enabled,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** A tenant id for an id or slug; unknown → not_found naming the field. */
export async function tenantIdOf(q: Queryable, idOrSlug: string, path = "tenantId"): Promise<string> {
  const { rows } = await q.query(`SELECT id FROM tenants WHERE id::text = $1 OR slug = $1`, [idOrSlug]);
  if (!rows[0]) throw new TollgateError("not_found", `No tenant "${idOrSlug}".`, [{ path, message: "no such tenant" }]);
  return rows[0].id;
}

export async function listQuotas(filter: QuotaListQuery, q: Queryable = dbPool()): Promise<QuotaJson[]> {
  const tenantId = filter.tenantId === undefined ? null : await tenantIdOf(q, filter.tenantId);
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM quotas
      WHERE ($1::"QuotaScope" IS NULL OR scope = $1) AND ($2::text IS NULL OR scope_id = $2)
        AND ($3::uuid IS NULL OR tenant_id = $3) AND ($4::"ResourceType" IS NULL OR resource = $4)
      ORDER BY ${ORDER}`,
    [filter.scope ?? null, filter.scopeId ?? null, tenantId, filter.resource ?? null],
  );
  return rows.map(quotaJson);
}

export async function tenantQuotas(q: Queryable, tenantId: string): Promise<QuotaJson[]> {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM quotas WHERE tenant_id = $1 ORDER BY ${ORDER}`, [tenantId]);
  return rows.map(quotaJson);
}

async function findQuota(q: Queryable, id: string, lock = false): Promise<any> {
  if (!isUuid(id)) throw new TollgateError("not_found", "No such quota.");
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM quotas WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  if (!rows[0]) throw new TollgateError("not_found", "No such quota.");
  return rows[0];
}

export async function getQuota(id: string, q: Queryable = dbPool()): Promise<QuotaJson> {
  return quotaJson(await findQuota(q, id));
}

export async function createQuota(actor: Actor, input: CreateQuotaBody): Promise<QuotaJson> {
  return auditedChange(
    actor,
    async (tx) => {
      let tenantId = input.tenantId === undefined ? null : await tenantIdOf(tx, input.tenantId);
      let scopeId: string | null = null;
      if (input.scope === "tenant") {
        // Tenant quotas are keyed by the tenant id (SPEC §3: scopeId); tenantId may name the same
        // tenant or be left out. A slug in either means that tenant.
        const scoped = input.scopeId === undefined ? null : await tenantIdOf(tx, input.scopeId, "scopeId");
        if (scoped !== null && tenantId !== null && scoped !== tenantId) {
          throw new TollgateError("invalid_request", "scopeId of a tenant quota must be its tenant.", [{ path: "scopeId", message: "must be the tenant id" }]);
        }
        tenantId ??= scoped;
        scopeId = tenantId;
      } else if (input.scope === "user") {
        scopeId = input.scopeId!;
      }
      // each_user: no scope id; tenantId absent is the platform-wide default (ADR 0016).
      const { rows } = await tx.query(
        `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, warning_thresholds, enforcement, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::int[], '{80,90}'), COALESCE($8::"Enforcement", 'hard'), COALESCE($9::boolean, true))
         RETURNING ${COLUMNS}`,
        [input.scope, scopeId, tenantId, input.resource, input.period, input.limitUsd, input.warningThresholds ?? null, input.enforcement ?? null, input.enabled ?? null],
      );
      const quota = quotaJson(rows[0]);
      return { result: quota, audit: [{ action: "quota.create", entityType: "quota", entityId: quota.id, tenantId, before: null, after: quota }] };
    },
    { conflict: CONFLICT },
  );
}

export async function updateQuota(actor: Actor, id: string, patch: UpdateQuotaBody, now = new Date()): Promise<QuotaJson> {
  return auditedChange(actor, (tx) => changeQuota(tx, id, patch, now), { conflict: CONFLICT });
}

/** The change behind updateQuota inside the caller's transaction (bulk edits: one transaction). */
export async function changeQuota(tx: Tx, id: string, patch: UpdateQuotaBody, now = new Date()) {
  const before = quotaJson(await findQuota(tx, id, true));
  const { rows } = await tx.query(
    `UPDATE quotas SET limit_usd = COALESCE($2::numeric, limit_usd), warning_thresholds = COALESCE($3::int[], warning_thresholds),
            enforcement = COALESCE($4::"Enforcement", enforcement), enabled = COALESCE($5::boolean, enabled), updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.limitUsd ?? null, patch.warningThresholds ?? null, patch.enforcement ?? null, patch.enabled ?? null],
  );
  const after = quotaJson(rows[0]);
  if (!before.enabled && after.enabled) {
    // While disabled, the quota's current-period row saw none of the period's costs (the
    // core only books enabled quotas), so keeping it would under-count. Deleting it makes the
    // core re-create it on next use from the rollups — the spend already recorded this
    // period, as for a new quota (SPEC §3). A limit change, by contrast, keeps the row: the
    // spend it holds is still right.
    await tx.query(`DELETE FROM quota_usage WHERE quota_id = $1 AND period_start = $2`, [id, periodStart(after.period, now)]);
  }
  if (before.enabled && !after.enabled) await overrideEnds(tx, before, now);
  return { result: after, audit: [{ action: "quota.update", entityType: "quota", entityId: id, tenantId: after.tenantId, before, after }] };
}

/**
 * When a user's own quota stops applying (disabled or deleted), the tenant's per-user default for
 * that resource and period applies to the user again (ADR 0016). Its row for the user, if any,
 * was not booked while overridden: delete the current period's, so the core re-creates it on
 * next use from the rollups — the user's spend so far this period, as for a new quota (SPEC §3).
 */
async function overrideEnds(tx: Queryable, q: QuotaJson, now: Date) {
  if (q.scope !== "user" || q.tenantId === null || q.scopeId === null) return;
  await tx.query(
    `DELETE FROM quota_usage u USING quotas d
      WHERE d.id = u.quota_id AND d.scope = 'each_user' AND d.tenant_id = $1 AND d.resource = $2 AND d.period = $3
        AND u.period_start = $4 AND u.subject_tenant_id = $1 AND u.subject = $5`,
    [q.tenantId, q.resourceType, q.period, periodStart(q.period, now), q.scopeId],
  );
}

/** Deletes a quota and (by cascade) its usage rows; holds on them simply stop counting there. */
export async function deleteQuota(actor: Actor, id: string, now = new Date()): Promise<QuotaJson> {
  return auditedChange(actor, async (tx) => {
    const before = quotaJson(await findQuota(tx, id, true));
    await tx.query(`DELETE FROM quotas WHERE id = $1`, [id]);
    if (before.enabled) await overrideEnds(tx, before, now);
    return { result: before, audit: [{ action: "quota.delete", entityType: "quota", entityId: id, tenantId: before.tenantId, before, after: null }] };
  });
}
