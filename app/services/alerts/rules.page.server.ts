// Alert rules: which kinds of events go to which channel, for all tenants or one. A rule on a
// tenant's channel is always about that tenant (a tenant's channel never receives another
// tenant's alerts); a rule on a platform channel may cover every tenant (tenant null) or one.
// Each change is audited in its own transaction.
import { isUuid, TollgateError } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import { ruleInput, type AlertKind } from "~/schemas/alerts.ts";
import { checkbox, formFields, thresholdList } from "~/schemas/forms.ts";
import { auditedChange, type Actor, type Tx } from "../audit.server.ts";
import { assertVisible, scopeFilter, type AlertScope } from "./scope.page.server.ts";

export interface RuleView {
  id: string;
  tenantId: string | null;
  tenantSlug: string | null;
  tenantName: string | null;
  channelId: string;
  channelName: string;
  channelType: string;
  kind: AlertKind;
  enabled: boolean;
  params: Record<string, unknown>;
  createdAt: string;
}

export interface RuleValues {
  kind: string;
  channelId: string;
  /** For staff: the tenant the rule is about (null = every tenant). Ignored for tenant admins. */
  tenantId: string | null;
  enabled: boolean;
  params: Record<string, unknown>;
}

const SELECT = `SELECT r.id, r.tenant_id, t.slug AS tenant_slug, t.name AS tenant_name, r.channel_id, c.name AS channel_name, c.type AS channel_type,
         c.tenant_id AS channel_tenant_id, r.kind, r.enabled, r.params, r.created_at
    FROM alert_rules r JOIN alert_channels c ON c.id = r.channel_id LEFT JOIN tenants t ON t.id = r.tenant_id`;

const view = (r: any): RuleView => ({
  id: r.id,
  tenantId: r.tenant_id,
  tenantSlug: r.tenant_slug ?? null,
  tenantName: r.tenant_name ?? null,
  channelId: r.channel_id,
  channelName: r.channel_name,
  channelType: r.channel_type,
  kind: r.kind,
  enabled: r.enabled,
  params: r.params ?? {},
  createdAt: new Date(r.created_at).toISOString(),
});

const audited = ({ tenantSlug: _s, tenantName: _n, channelName: _c, channelType: _t, ...rest }: RuleView) => rest;

export async function listRules(scope: AlertScope, f: { channelId?: string } = {}): Promise<RuleView[]> {
  // A tenant admin sees rules on their tenant's channels only (never a platform channel's rules).
  const vis = scopeFilter(scope, "c.tenant_id", 1);
  const { rows } = await dbPool().query(
    `${SELECT} WHERE ${vis.sql} AND ($2::uuid IS NULL OR r.channel_id = $2) ORDER BY c.name, r.kind, t.name NULLS FIRST, r.id`,
    [vis.param, f.channelId ?? null],
  );
  return rows.map(view);
}

async function findRule(q: Pick<Tx, "query">, scope: AlertScope, id: string, lock = false) {
  if (!isUuid(id)) throw new TollgateError("not_found", "No such rule.");
  const { rows } = await q.query(`${SELECT} WHERE r.id = $1${lock ? " FOR UPDATE OF r" : ""}`, [id]);
  if (!rows[0]) throw new TollgateError("not_found", "No such rule.");
  assertVisible(scope, rows[0].channel_tenant_id);
  return view(rows[0]);
}

export const getRule = (scope: AlertScope, id: string) => findRule(dbPool(), scope, id);

/** Checks the values against the schema and the channel; returns what to store. */
async function resolve(tx: Tx, scope: AlertScope, v: RuleValues) {
  const issues: { path: string; message: string }[] = [];
  const parsed = ruleInput.safeParse({ kind: v.kind, channelId: v.channelId, enabled: v.enabled, params: v.params });
  // Params issues are keyed by the param's own field ("thresholds"), as the form names them.
  if (!parsed.success) for (const i of parsed.error.issues) issues.push({ path: String(i.path[0] === "params" ? (i.path[1] ?? "params") : (i.path[0] ?? "form")), message: i.message });
  const { rows } = isUuid(v.channelId) ? await tx.query(`SELECT id, tenant_id FROM alert_channels WHERE id = $1`, [v.channelId]) : { rows: [] as any[] };
  // A channel the scope may not see is reported exactly like a missing one.
  const channel = rows[0] && (scope.kind === "staff" || rows[0].tenant_id === scope.tenantId) ? rows[0] : null;
  if (!channel && !issues.some((i) => i.path === "channelId")) issues.push({ path: "channelId", message: "Choose a channel." });
  let tenantId = scope.kind === "tenant" ? scope.tenantId : v.tenantId;
  if (channel?.tenant_id) {
    if (tenantId && tenantId !== channel.tenant_id) issues.push({ path: "tenantId", message: "A tenant's channel only receives that tenant's alerts." });
    tenantId = channel.tenant_id;
  } else if (tenantId) {
    const t = await tx.query(`SELECT 1 FROM tenants WHERE id::text = $1`, [tenantId]);
    if (!t.rows[0]) issues.push({ path: "tenantId", message: "Choose a tenant." });
  }
  if (issues.length || !parsed.success) throw new TollgateError("invalid_request", "The rule is not valid.", issues);
  const r = parsed.data;
  return { kind: r.kind, channelId: r.channelId, tenantId: tenantId ?? null, enabled: r.enabled, params: r.params as Record<string, unknown> };
}

export async function createRule(actor: Actor, scope: AlertScope, values: RuleValues): Promise<RuleView> {
  return auditedChange(actor, async (tx) => {
    const r = await resolve(tx, scope, values);
    const { rows } = await tx.query(
      `INSERT INTO alert_rules (tenant_id, channel_id, kind, enabled, params) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id`,
      [r.tenantId, r.channelId, r.kind, r.enabled, JSON.stringify(r.params)],
    );
    const rule = await findRule(tx, scope, rows[0].id);
    return { result: rule, audit: [{ action: "alert_rule.create", entityType: "alert_rule", entityId: rule.id, tenantId: rule.tenantId, before: null, after: audited(rule) }] };
  });
}

export async function updateRule(actor: Actor, scope: AlertScope, id: string, values: RuleValues): Promise<RuleView> {
  return auditedChange(actor, async (tx) => {
    const before = await findRule(tx, scope, id, true);
    const r = await resolve(tx, scope, values);
    await tx.query(`UPDATE alert_rules SET tenant_id = $2, channel_id = $3, kind = $4, enabled = $5, params = $6::jsonb WHERE id = $1`, [
      id,
      r.tenantId,
      r.channelId,
      r.kind,
      r.enabled,
      JSON.stringify(r.params),
    ]);
    const after = await findRule(tx, scope, id);
    return { result: after, audit: [{ action: "alert_rule.update", entityType: "alert_rule", entityId: id, tenantId: after.tenantId, before: audited(before), after: audited(after) }] };
  });
}

export async function deleteRule(actor: Actor, scope: AlertScope, id: string): Promise<RuleView> {
  return auditedChange(actor, async (tx) => {
    const before = await findRule(tx, scope, id, true);
    await tx.query(`DELETE FROM alert_rules WHERE id = $1`, [id]);
    return { result: before, audit: [{ action: "alert_rule.delete", entityType: "alert_rule", entityId: id, tenantId: before.tenantId, before: audited(before), after: null }] };
  });
}

/** A rule form → RuleValues: only the params the chosen kind has; blank means "any". */
export function ruleFormValues(form: FormData): RuleValues {
  const f = formFields(form, ["kind", "channelId", "tenantId", "resource", "thresholds", "minSeverity"]);
  const params: Record<string, unknown> = {};
  if (f.resource) params.resource = f.resource;
  if (f.kind === "quota_threshold" && f.thresholds) params.thresholds = thresholdList(f.thresholds);
  if (f.kind === "anomaly" && f.minSeverity) params.minSeverity = f.minSeverity;
  return { kind: f.kind ?? "", channelId: f.channelId ?? "", tenantId: f.tenantId ?? null, enabled: checkbox(form, "enabled"), params };
}
