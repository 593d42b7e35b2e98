// Channel administration against a real database: audited changes, secrets sealed at rest and
// write-only (blank keeps the stored one), webhook URLs sealed and shown masked, env channels
// read-only, tenant isolation. URLs are public literals (no DNS; the save does not connect).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createChannel, deleteChannel, getChannel, listChannels, setChannelEnabled, updateChannel } from "./channels.page.server.ts";
import type { AlertScope } from "./scope.page.server.ts";
import { sealLegacyWebhookUrls } from "./migrate-webhook-urls.server.ts";
import { decryptSecret, encryptSecret } from "./secrets.server.ts";

process.env.SECRETS_KEY ??= "test-secrets-key-0123456789";

let t: TestDatabase;
let acme: string;
let globex: string;
const actor = { id: null, label: "user:ops@tollgate.test" };
const staff: AlertScope = { kind: "staff" };
const acmeScope = (): AlertScope => ({ kind: "tenant", tenantId: acme });

// A webhook URL that carries a bearer token, as many do.
const HOOK = "https://93.184.215.14/hooks/T0K3N-first";
const OTHER = "https://93.184.215.14/hooks/T0K3N-other";
const webhook = (over: Record<string, unknown> = {}) => ({
  type: "webhook",
  fields: { type: "webhook", name: "Ops hook", enabled: true, url: HOOK, signingSecret: "first-secret-123", ...over },
});

async function auditRows(entityId: string) {
  const { rows } = await t.pool.query(`SELECT action, actor_label, before, after FROM audit_log WHERE entity_id = $1 ORDER BY id`, [entityId]);
  return rows;
}
async function stored(id: string) {
  const { rows } = await t.pool.query(`SELECT config, secret_enc, enabled, name FROM alert_channels WHERE id = $1`, [id]);
  return rows[0];
}

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  acme = rows.find((r) => r.slug === "acme").id;
  globex = rows.find((r) => r.slug === "globex").id;
});

afterAll(async () => {
  await t?.drop();
});

describe("channels", () => {
  it("creates a channel with its secret (signing secret and URL) sealed, never in config, the view nor the audit log", async () => {
    const c = await createChannel(actor, staff, null, webhook());
    expect(c).toMatchObject({ tenantId: null, type: "webhook", name: "Ops hook", enabled: true, fromEnv: false, secretsSet: { url: true, signingSecret: true } });
    expect(c.config).toEqual({ source: "panel" });
    expect(c.destination).toBe("https://93.184.215.14/…");
    expect(JSON.stringify(c)).not.toContain("T0K3N");
    const row = await stored(c.id);
    expect(row.config).toEqual({ source: "panel" });
    expect(row.secret_enc).toMatch(/^v1:/);
    expect(row.secret_enc).not.toContain("first-secret");
    expect(JSON.parse(decryptSecret(row.secret_enc))).toEqual({ url: HOOK, signingSecret: "first-secret-123" });
    const audit = await auditRows(c.id);
    expect(audit.map((a) => [a.action, a.actor_label])).toEqual([["alert_channel.create", "user:ops@tollgate.test"]]);
    expect(JSON.stringify(audit)).not.toMatch(/first-secret|T0K3N/);
    expect(audit[0].after).toMatchObject({ name: "Ops hook", destination: "https://93.184.215.14/…", secretsSet: { url: true, signingSecret: true } });
  });

  it("an edit with a blank secret keeps the stored one; a new secret replaces it; both audited", async () => {
    const c = await createChannel(actor, staff, null, webhook({ name: "Keep me" }));
    const { signingSecret: _blank, ...withoutSecret } = webhook().fields;
    // The URL is a secret now: a new one is audited as "url changed", never by value.
    await updateChannel(actor, staff, c.id, { type: "webhook", fields: { ...withoutSecret, name: "Renamed", url: OTHER } });
    let row = await stored(c.id);
    expect(row.name).toBe("Renamed");
    expect(row.config).toEqual({ source: "panel" });
    expect(JSON.parse(decryptSecret(row.secret_enc))).toEqual({ url: OTHER, signingSecret: "first-secret-123" });

    await updateChannel(actor, staff, c.id, webhook({ name: "Renamed", url: undefined, signingSecret: "second-secret-456" }));
    row = await stored(c.id);
    expect(JSON.parse(decryptSecret(row.secret_enc))).toEqual({ url: OTHER, signingSecret: "second-secret-456" });
    const audit = await auditRows(c.id);
    expect(audit.map((a) => a.action)).toEqual(["alert_channel.create", "alert_channel.update", "alert_channel.update"]);
    expect(audit[1].before.name).toBe("Keep me");
    expect(audit[1].after).toMatchObject({ name: "Renamed", secretsChanged: ["url"] });
    expect(audit[2].after.secretsChanged).toEqual(["signingSecret"]);
    expect(JSON.stringify(audit)).not.toMatch(/first-secret|second-secret|T0K3N/);
  });

  it("bad input names the field and writes nothing", async () => {
    const before = (await t.pool.query(`SELECT count(*)::int AS n FROM alert_channels`)).rows[0].n;
    await expect(createChannel(actor, staff, null, webhook({ url: "ftp://x", signingSecret: "short" }))).rejects.toMatchObject({
      code: "invalid_request",
      issues: [
        { path: "url", message: "must be an http(s):// URL" },
        { path: "signingSecret", message: "at least 8 characters" },
      ],
    });
    await expect(createChannel(actor, staff, null, { type: "webhook", fields: { ...webhook().fields, signingSecret: undefined } })).rejects.toMatchObject({
      issues: [{ path: "signingSecret" }],
    });
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM alert_channels`)).rows[0].n).toBe(before);
  });

  it("a tenant admin sees and changes only their tenant's channels; others answer not_found", async () => {
    const own = await createChannel(actor, acmeScope(), acme, webhook({ name: "Acme hook" }));
    const other = await createChannel(actor, staff, globex, webhook({ name: "Globex hook" }));
    const platform = await createChannel(actor, staff, null, webhook({ name: "Platform hook" }));
    expect((await listChannels(acmeScope())).map((c) => c.name)).toEqual(["Acme hook"]);
    expect((await listChannels(staff, { tenant: globex })).map((c) => c.name)).toEqual(["Globex hook"]);
    expect((await listChannels(staff, { tenant: "platform" })).map((c) => c.name)).toContain("Platform hook");
    for (const id of [other.id, platform.id, "not-a-uuid"]) {
      await expect(getChannel(acmeScope(), id)).rejects.toMatchObject({ code: "not_found" });
      await expect(updateChannel(actor, acmeScope(), id, webhook({ name: "Hijacked" }))).rejects.toMatchObject({ code: "not_found" });
      await expect(setChannelEnabled(actor, acmeScope(), id, false)).rejects.toMatchObject({ code: "not_found" });
      await expect(deleteChannel(actor, acmeScope(), id)).rejects.toMatchObject({ code: "not_found" });
    }
    // Creating a channel for another tenant from a tenant scope is refused too.
    await expect(createChannel(actor, acmeScope(), globex, webhook())).rejects.toMatchObject({ code: "not_found" });
    expect((await stored(other.id)).name).toBe("Globex hook");
    expect((await stored(platform.id)).enabled).toBe(true);
    expect(await auditRows(other.id)).toHaveLength(1);
    await setChannelEnabled(actor, acmeScope(), own.id, false);
    expect((await stored(own.id)).enabled).toBe(false);
  });

  it("env channels are read-only; delete removes the channel and is audited", async () => {
    const { rows } = await t.pool.query(
      `INSERT INTO alert_channels (type, name, config) VALUES ('webhook', 'env: webhook', '{"source":"env"}') RETURNING id`,
    );
    const env = await getChannel(staff, rows[0].id);
    expect(env.fromEnv).toBe(true);
    await expect(updateChannel(actor, staff, env.id, webhook())).rejects.toMatchObject({ code: "conflict" });
    await expect(setChannelEnabled(actor, staff, env.id, false)).rejects.toMatchObject({ code: "conflict" });
    await expect(deleteChannel(actor, staff, env.id)).rejects.toMatchObject({ code: "conflict" });

    const c = await createChannel(actor, staff, null, webhook({ name: "Short-lived" }));
    await deleteChannel(actor, staff, c.id);
    expect(await stored(c.id)).toBeUndefined();
    const audit = await auditRows(c.id);
    expect(audit.map((a) => a.action)).toEqual(["alert_channel.create", "alert_channel.delete"]);
    expect(audit[1]).toMatchObject({ before: { name: "Short-lived" }, after: null });
  });

  it("a webhook saved before URLs were secret: shown masked, then moved into the sealed secret at start (once)", async () => {
    const { rows } = await t.pool.query(
      `INSERT INTO alert_channels (type, name, config, secret_enc) VALUES ('webhook', 'Legacy hook', $1::jsonb, $2) RETURNING id`,
      [JSON.stringify({ source: "panel", url: "https://hooks.example.com/legacy/T0K3N-legacy" }), encryptSecret(JSON.stringify({ signingSecret: "legacy-secret-1" }))],
    );
    const before = await getChannel(staff, rows[0].id);
    expect({ config: before.config, destination: before.destination }).toEqual({ config: { source: "panel" }, destination: "https://hooks.example.com/…" });

    expect(await sealLegacyWebhookUrls(t.pool)).toBe(1);
    const row = await stored(rows[0].id);
    expect(row.config).toEqual({ source: "panel" });
    expect(JSON.parse(decryptSecret(row.secret_enc))).toEqual({ signingSecret: "legacy-secret-1", url: "https://hooks.example.com/legacy/T0K3N-legacy" });
    expect(await sealLegacyWebhookUrls(t.pool)).toBe(0);
    expect((await getChannel(staff, rows[0].id)).destination).toBe("https://hooks.example.com/…");
  });
});
