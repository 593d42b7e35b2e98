// Who may open the alert pages: every role against every loader (staff tree and tenant tree)
// with a real session cookie, and the actions' refusals. Forbidden answers 404, signed out
// redirects to sign-in; bad input answers 400 with errors by field and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as channelPage from "~/routes/alerts+/channels.$channelId.tsx";
import * as newChannelPage from "~/routes/alerts+/channels.new.tsx";
import * as deliveriesPage from "~/routes/alerts+/deliveries.tsx";
import * as channelsPage from "~/routes/alerts+/_index.tsx";
import * as rulesPage from "~/routes/alerts+/rules._index.tsx";
import * as newRulePage from "~/routes/alerts+/rules.new.tsx";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "../auth.server.ts";
import { TEST_SENDS_PER_MINUTE } from "./send-test.page.server.ts";
import { createChannel as insertChannel } from "./test/fixtures.ts";

process.env.SECRETS_KEY ??= "test-secrets-key-0123456789";

const ROLES: Role[] = ["admin", "finance", "ops", "tenant_admin"];
let t: TestDatabase;
let users: Record<Role, SignedInUser>;
let globexChannel: string;
let acme: string;

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  acme = rows.find((r) => r.slug === "acme").id;
  users = await signInUsers(t.pool, {
    admin: { role: "admin" },
    finance: { role: "finance" },
    ops: { role: "ops" },
    tenant_admin: { role: "tenant_admin", tenantId: acme },
  });
  const { rows: c } = await t.pool.query(
    `INSERT INTO alert_channels (tenant_id, type, name, config) VALUES ((SELECT id FROM tenants WHERE slug = 'globex'), 'webhook', 'Globex hook', '{"source":"panel","url":"http://127.0.0.1:9/"}') RETURNING id`,
  );
  globexChannel = c[0].id;
});

afterAll(async () => {
  await t?.drop();
});

const request = (role: Role | null, path: string, form?: Record<string, string>) => panelRequest(role && users[role], path, form);



const PAGES = [
  ["/alerts", channelsPage.loader],
  ["/alerts/channels/new", newChannelPage.loader],
  ["/alerts/rules", rulesPage.loader],
  ["/alerts/rules/new", newRulePage.loader],
  ["/alerts/deliveries", deliveriesPage.loader],
] as const;

describe("loaders", () => {
  for (const [path, loader] of PAGES) {
    for (const role of ROLES) {
      const allowed = role !== "tenant_admin";
      it(`${path}: ${role} → ${allowed ? 200 : 404}`, async () => {
        expect(await statusOf(() => loader(routeArgs(request(role, path))))).toBe(allowed ? 200 : 404);
      });
    }
    it(`${path}: signed out → redirect to sign-in`, async () => {
      expect(await statusOf(() => loader(routeArgs(request(null, path))))).toBe(302);
    });
    const tenantPath = path.replace("/alerts", "/t/acme/alerts");
    it(`${tenantPath}: the tenant's admin and staff → 200; another tenant's URL → 404`, async () => {
      expect(await statusOf(() => loader(routeArgs(request("tenant_admin", tenantPath), { tenantSlug: "acme" })))).toBe(200);
      expect(await statusOf(() => loader(routeArgs(request("ops", tenantPath), { tenantSlug: "acme" })))).toBe(200);
      expect(await statusOf(() => loader(routeArgs(request("tenant_admin", tenantPath), { tenantSlug: "globex" })))).toBe(404);
    });
  }

  it("another tenant's channel answers 404 to a tenant admin and 200 to staff", async () => {
    const path = `/t/acme/alerts/channels/${globexChannel}`;
    expect(await statusOf(() => channelPage.loader(routeArgs(request("tenant_admin", path), { tenantSlug: "acme", channelId: globexChannel })))).toBe(404);
    expect(await statusOf(() => channelPage.action(routeArgs(request("tenant_admin", path, { intent: "delete" }), { tenantSlug: "acme", channelId: globexChannel })))).toBe(404);
    expect(await statusOf(() => channelPage.loader(routeArgs(request("ops", `/alerts/channels/${globexChannel}`), { channelId: globexChannel })))).toBe(200);
  });
});

describe("actions", () => {
  const hook = { intent: "save", type: "webhook", name: "Hook", url: "https://93.184.215.14/h", signingSecret: "secret-secret", enabled: "on" };

  it("a tenant admin posting to the staff pages gets 404 and nothing is written", async () => {
    expect(await statusOf(() => newChannelPage.action(routeArgs(request("tenant_admin", "/alerts/channels/new", hook))))).toBe(404);
    expect(await statusOf(() => channelsPage.action(routeArgs(request("tenant_admin", "/alerts", { id: globexChannel, enabled: "false" }))))).toBe(404);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n, bool_and(enabled) AS on FROM alert_channels`);
    expect(rows[0]).toEqual({ n: 1, on: true });
  });

  it("bad input answers 400 with errors next to the fields; a tenant admin's channel lands in their tenant", async () => {
    const bad = (await newChannelPage.action(routeArgs(request("tenant_admin", "/t/acme/alerts/channels/new", { ...hook, url: "nope", signingSecret: "x" }), { tenantSlug: "acme" }))) as any;
    expect(bad.init.status).toBe(400);
    expect(bad.data.errors).toEqual({ url: "must be an http(s):// URL", signingSecret: "at least 8 characters" });
    expect(bad.data.values).not.toHaveProperty("signingSecret"); // secrets are never echoed
    // The form's tenantId is ignored on a tenant's page.
    const ok = await statusOf(() => newChannelPage.action(routeArgs(request("tenant_admin", "/t/acme/alerts/channels/new", { ...hook, tenantId: "globex" }), { tenantSlug: "acme" })));
    expect(ok).toBe(302);
    const { rows } = await t.pool.query(`SELECT t.slug FROM alert_channels c JOIN tenants t ON t.id = c.tenant_id WHERE c.name = 'Hook'`);
    expect(rows).toEqual([{ slug: "acme" }]);
  });

  it("a tenant admin's webhook to http://127.0.0.1:… is a 400 on the URL field; nothing is written, the URL is not echoed", async () => {
    const before = (await t.pool.query(`SELECT count(*)::int AS n FROM alert_channels`)).rows[0].n;
    const r = (await newChannelPage.action(routeArgs(request("tenant_admin", "/t/acme/alerts/channels/new", { ...hook, name: "Loopback", url: "http://127.0.0.1:9100/h" }), { tenantSlug: "acme" }))) as any;
    expect(r.init.status).toBe(400);
    expect(r.data.errors).toEqual({ url: "this address is not allowed: alerts go only to public internet addresses" });
    expect(r.data.values).not.toHaveProperty("url");
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM alert_channels`)).rows[0].n).toBe(before);
  });

  it("send test on a tenant's page: the outcome only, and a 429 with the wait after five presses a minute", async () => {
    // Stored before the policy existed: aimed at loopback, refused at send time without traffic.
    const id = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: "http://127.0.0.1:9100/h", signingSecret: "secret-secret" } });
    const press = () => channelPage.action(routeArgs(request("tenant_admin", `/t/acme/alerts/channels/${id}`, { intent: "test" }), { tenantSlug: "acme", channelId: id })) as any;
    for (let i = 0; i < TEST_SENDS_PER_MINUTE; i++) {
      expect(await press()).toEqual({ test: { ok: false, status: null, outcome: "not sent: address not allowed", detail: null }, throttled: null });
    }
    const throttled = await press();
    expect(throttled.init.status).toBe(429);
    expect(throttled.data.test).toBeNull();
    expect(throttled.data.throttled).toMatch(/^Too many test sends; try again in (59|60) s\.$/);
  });
});
