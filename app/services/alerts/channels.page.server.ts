// Alert channels in the panel: list, create, edit, enable/disable, delete — each audited in the
// same transaction (audit.server.ts). Secrets are sealed with SECRETS_KEY before they reach the
// database and never leave this module in plain text: pages and audit entries see only which
// secret fields are set. Channels materialized from COST_ALERT_* (config.source = "env") are
// owned by the environment and refused here, so an edit in the panel cannot silently diverge
// from the env file that recreates them at the next start.
import { isUuid, TollgateError } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import { channelInput, splitChannelInput, type ChannelType } from "~/schemas/alerts.ts";
import { auditedChange, type Actor, type Tx } from "../audit.server.ts";
import { secretFieldsOf, type ChannelFormValues } from "./channel-input.page.server.ts";
import { assertVisible, scopeFilter, type AlertScope } from "./scope.page.server.ts";
import { assertDestinationsAllowed, destinationLabel } from "./channel-destinations.server.ts";
import { decryptSecret, encryptSecret } from "./secrets.server.ts";

export interface ChannelView {
  id: string;
  tenantId: string | null;
  tenantSlug: string | null;
  tenantName: string | null;
  type: ChannelType;
  name: string;
  /** Non-secret settings only. */
  config: Record<string, unknown>;
  /** Where alerts go, with secret URLs masked to their host ("https://hooks.example.com/…"). */
  destination: string;
  /** Which secret fields hold a value (the values themselves never leave the server). */
  secretsSet: Record<string, boolean>;
  enabled: boolean;
  /** From COST_ALERT_* env variables: read-only in the panel. */
  fromEnv: boolean;
  ruleCount: number;
  createdAt: string;
}

const SELECT = `SELECT c.id, c.tenant_id, t.slug AS tenant_slug, t.name AS tenant_name, c.type, c.name, c.config, c.secret_enc, c.enabled, c.created_at,
         (SELECT count(*)::int FROM alert_rules r WHERE r.channel_id = c.id) AS rule_count
    FROM alert_channels c LEFT JOIN tenants t ON t.id = c.tenant_id`;

function openSecret(enc: string | null): Record<string, unknown> {
  if (!enc) return {};
  try {
    const parsed = JSON.parse(decryptSecret(enc));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    // Sealed under another SECRETS_KEY: shown as "not set", so saving a new value repairs it.
    return {};
  }
}

function view(r: any): ChannelView {
  const type = r.type as ChannelType;
  const secret = r.secret_enc ? openSecret(r.secret_enc) : {};
  // A row not yet migrated (migrate-webhook-urls.server.ts) still has its URL in config: never shown.
  const { url: _legacyUrl, ...config } = (r.config ?? {}) as Record<string, unknown>;
  return {
    id: r.id,
    tenantId: r.tenant_id,
    tenantSlug: r.tenant_slug ?? null,
    tenantName: r.tenant_name ?? null,
    type,
    name: r.name,
    config,
    destination: destinationLabel(type, r.config ?? {}, secret),
    secretsSet: Object.fromEntries(secretFieldsOf(type).map((f) => [f, typeof secret[f] === "string" && secret[f] !== ""])),
    enabled: r.enabled,
    fromEnv: r.config?.source === "env",
    ruleCount: r.rule_count ?? 0,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** What the audit log keeps of a channel: everything but secret values. */
const audited = ({ ruleCount: _r, tenantSlug: _s, tenantName: _n, ...rest }: ChannelView) => rest;

export interface ChannelListFilter {
  /** A tenant id, or "platform" for platform-wide channels only. */
  tenant?: string;
}

export async function listChannels(scope: AlertScope, f: ChannelListFilter = {}): Promise<ChannelView[]> {
  const vis = scopeFilter(scope, "c.tenant_id", 1);
  const { rows } = await dbPool().query(
    `${SELECT} WHERE ${vis.sql} AND ($2::text IS NULL OR ($2 = 'platform' AND c.tenant_id IS NULL) OR c.tenant_id::text = $2)
      ORDER BY c.tenant_id IS NOT NULL, t.name NULLS FIRST, c.name, c.id`,
    [vis.param, f.tenant ?? null],
  );
  return rows.map(view);
}

async function findChannel(q: Pick<Tx, "query">, scope: AlertScope, id: string, lock = false) {
  if (!isUuid(id)) throw new TollgateError("not_found", "No such channel.");
  const { rows } = await q.query(`${SELECT} WHERE c.id = $1${lock ? " FOR UPDATE OF c" : ""}`, [id]);
  if (!rows[0]) throw new TollgateError("not_found", "No such channel.");
  assertVisible(scope, rows[0].tenant_id);
  return { channel: view(rows[0]), secretEnc: rows[0].secret_enc as string | null };
}

export async function getChannel(scope: AlertScope, id: string): Promise<ChannelView> {
  return (await findChannel(dbPool(), scope, id)).channel;
}

/** Validates with the shared schema; issues are keyed by form field (config/secret flattened). */
function validate(fields: Record<string, unknown>) {
  const parsed = channelInput.safeParse(fields);
  if (parsed.success) return splitChannelInput(parsed.data);
  const issues = parsed.error.issues.map((i) => ({ path: String(i.path[0] ?? "form"), message: i.message }));
  throw new TollgateError("invalid_request", "The channel settings are not valid.", issues);
}

async function tenantExists(tx: Tx, tenantId: string) {
  const { rows } = await tx.query(`SELECT 1 FROM tenants WHERE id::text = $1`, [tenantId]);
  if (!rows[0]) throw new TollgateError("invalid_request", "No such tenant.", [{ path: "tenantId", message: "Choose a tenant." }]);
}

export async function createChannel(actor: Actor, scope: AlertScope, tenantId: string | null, values: ChannelFormValues): Promise<ChannelView> {
  if (scope.kind === "tenant" && tenantId !== scope.tenantId) throw new TollgateError("not_found", "Not found.");
  const input = validate(values.fields);
  // Before the transaction: DNS lookups must not hold it open.
  await assertDestinationsAllowed(input.type, input.config, input.secret, tenantId ? "tenant" : "platform");
  return auditedChange(actor, async (tx) => {
    if (tenantId) await tenantExists(tx, tenantId);
    const { rows } = await tx.query(
      `INSERT INTO alert_channels (tenant_id, type, name, config, secret_enc, enabled) VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id`,
      [tenantId, input.type, input.name, JSON.stringify(input.config), encryptSecret(JSON.stringify(input.secret)), input.enabled],
    );
    const { channel: created } = await findChannel(tx, scope, rows[0].id);
    return { result: created, audit: [{ action: "alert_channel.create", entityType: "alert_channel", entityId: created.id, tenantId, before: null, after: audited(created) }] };
  });
}

function refuseEnv(c: ChannelView) {
  if (c.fromEnv) throw new TollgateError("conflict", "This channel comes from the COST_ALERT_* environment variables; change it there.");
}

/** Edits name, settings and enabled. Type and tenant are fixed; blank secret fields keep the stored ones. */
export async function updateChannel(actor: Actor, scope: AlertScope, id: string, values: ChannelFormValues): Promise<ChannelView> {
  return auditedChange(actor, async (tx) => {
    const { channel: before, secretEnc } = await findChannel(tx, scope, id, true);
    refuseEnv(before);
    const stored = openSecret(secretEnc);
    const secretFields = secretFieldsOf(before.type);
    // Audited by name only ("url" changed), never by value; retyping the same value is no change.
    const changed = secretFields.filter((f) => values.fields[f] !== undefined && values.fields[f] !== stored[f]);
    const merged: Record<string, unknown> = { ...values.fields, type: before.type };
    for (const f of secretFields) if (merged[f] === undefined && stored[f] !== undefined) merged[f] = stored[f];
    const input = validate(merged);
    // The stored URL is checked again too: it may predate the policy, or its DNS may have moved.
    await assertDestinationsAllowed(input.type, input.config, input.secret, before.tenantId ? "tenant" : "platform");
    await tx.query(`UPDATE alert_channels SET name = $2, config = $3::jsonb, secret_enc = $4, enabled = $5 WHERE id = $1`, [
      id,
      input.name,
      JSON.stringify(input.config),
      encryptSecret(JSON.stringify(input.secret)),
      input.enabled,
    ]);
    const { channel: after } = await findChannel(tx, scope, id);
    return {
      result: after,
      audit: [{ action: "alert_channel.update", entityType: "alert_channel", entityId: id, tenantId: before.tenantId, before: audited(before), after: { ...audited(after), secretsChanged: changed } }],
    };
  });
}

export async function setChannelEnabled(actor: Actor, scope: AlertScope, id: string, enabled: boolean): Promise<ChannelView> {
  return auditedChange(actor, async (tx) => {
    const { channel: before } = await findChannel(tx, scope, id, true);
    refuseEnv(before);
    await tx.query(`UPDATE alert_channels SET enabled = $2 WHERE id = $1`, [id, enabled]);
    const after = { ...before, enabled };
    return { result: after, audit: [{ action: "alert_channel.update", entityType: "alert_channel", entityId: id, tenantId: before.tenantId, before: audited(before), after: audited(after) }] };
  });
}

/** Deletes the channel; its rules and outbox events go with it (ON DELETE CASCADE). */
export async function deleteChannel(actor: Actor, scope: AlertScope, id: string): Promise<ChannelView> {
  return auditedChange(actor, async (tx) => {
    const { channel: before } = await findChannel(tx, scope, id, true);
    refuseEnv(before);
    await tx.query(`DELETE FROM alert_channels WHERE id = $1`, [id]);
    return { result: before, audit: [{ action: "alert_channel.delete", entityType: "alert_channel", entityId: id, tenantId: before.tenantId, before: audited(before), after: null }] };
  });
}
