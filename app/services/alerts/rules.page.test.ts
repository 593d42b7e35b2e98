// Rules and the delivery log against a real database: rule/channel/tenant consistency, tenant
// isolation, and re-sending a dead-lettered event (audited, back to pending with attempts 0).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createChannel } from "./channels.page.server.ts";
import { listDeliveries, resendDeadEvent } from "./deliveries.page.server.ts";
import { createRule, deleteRule, listRules, updateRule } from "./rules.page.server.ts";
import type { AlertScope } from "./scope.page.server.ts";

process.env.SECRETS_KEY ??= "test-secrets-key-0123456789";

let t: TestDatabase;
let acme: string;
let globex: string;
let platformChannel: string;
let acmeChannel: string;
let globexChannel: string;
const actor = { id: null, label: "user:ops@tollgate.test" };
const staff: AlertScope = { kind: "staff" };
const acmeScope = (): AlertScope => ({ kind: "tenant", tenantId: acme });

const hook = (name: string) => ({ type: "webhook", fields: { type: "webhook", name, enabled: true, url: "https://93.184.215.14/h", signingSecret: "secret-secret" } });
const rule = (channelId: string, over: Partial<{ kind: string; tenantId: string | null; enabled: boolean; params: Record<string, unknown> }> = {}) => ({
  kind: "quota_threshold",
  channelId,
  tenantId: null,
  enabled: true,
  params: {},
  ...over,
});

async function insertEvent(channelId: string, tenantId: string | null, status: string, attempts: number, key: string) {
  const { rows } = await t.pool.query(
    `INSERT INTO alert_events (dedupe_key, channel_id, tenant_id, kind, payload, status, attempts, next_attempt_at, last_error)
     VALUES ($1, $2, $3, 'quota_threshold', $4::jsonb, $5, $6, now() + interval '1 hour', $7) RETURNING id::text`,
    [key, channelId, tenantId, JSON.stringify({ summary: `summary ${key}` }), status, attempts, status === "dead" ? "HTTP 500: boom" : null],
  );
  return rows[0].id as string;
}

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  acme = rows.find((r) => r.slug === "acme").id;
  globex = rows.find((r) => r.slug === "globex").id;
  platformChannel = (await createChannel(actor, staff, null, hook("Platform"))).id;
  acmeChannel = (await createChannel(actor, staff, acme, hook("Acme"))).id;
  globexChannel = (await createChannel(actor, staff, globex, hook("Globex"))).id;
});

afterAll(async () => {
  await t?.drop();
});

describe("rules", () => {
  it("a rule on a tenant's channel is about that tenant; a platform channel's rule may cover all or one", async () => {
    const onAcme = await createRule(actor, staff, rule(acmeChannel, { params: { thresholds: ["90"], resource: "llm" } }));
    expect(onAcme).toMatchObject({ tenantId: acme, channelName: "Acme", kind: "quota_threshold", params: { thresholds: [90], resource: "llm" } });
    const all = await createRule(actor, staff, rule(platformChannel, { kind: "anomaly", params: { minSeverity: "critical" } }));
    expect(all).toMatchObject({ tenantId: null, tenantName: null, params: { minSeverity: "critical" } });
    const one = await createRule(actor, staff, rule(platformChannel, { kind: "forecast_breach", tenantId: globex }));
    expect(one).toMatchObject({ tenantId: globex, tenantName: "Globex" });
    await expect(createRule(actor, staff, rule(acmeChannel, { tenantId: globex }))).rejects.toMatchObject({
      code: "invalid_request",
      issues: [{ path: "tenantId", message: "A tenant's channel only receives that tenant's alerts." }],
    });
    await expect(createRule(actor, staff, rule("nope", { kind: "bogus", params: { thresholds: [0] } }))).rejects.toMatchObject({ code: "invalid_request" });
    const { rows } = await t.pool.query(`SELECT action FROM audit_log WHERE entity_type = 'alert_rule' ORDER BY id`);
    expect(rows.map((r) => r.action)).toEqual(["alert_rule.create", "alert_rule.create", "alert_rule.create"]);
  });

  it("rejects bad params next to the field", async () => {
    await expect(createRule(actor, staff, rule(platformChannel, { params: { thresholds: [150] } }))).rejects.toMatchObject({
      issues: [{ path: "thresholds" }],
    });
  });

  it("a tenant admin uses only their tenant's channels and sees only their rules", async () => {
    const own = await createRule(actor, acmeScope(), rule(acmeChannel, { kind: "quota_exceeded", tenantId: globex }));
    expect(own.tenantId).toBe(acme); // the scope fixes the tenant, whatever the form said
    for (const channelId of [platformChannel, globexChannel]) {
      await expect(createRule(actor, acmeScope(), rule(channelId))).rejects.toMatchObject({ issues: [{ path: "channelId", message: "Choose a channel." }] });
    }
    expect((await listRules(acmeScope())).every((r) => r.channelId === acmeChannel)).toBe(true);
    const globexRule = await createRule(actor, staff, rule(globexChannel));
    await expect(updateRule(actor, acmeScope(), globexRule.id, rule(acmeChannel))).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteRule(actor, acmeScope(), globexRule.id)).rejects.toMatchObject({ code: "not_found" });
    const updated = await updateRule(actor, acmeScope(), own.id, rule(acmeChannel, { kind: "quota_exceeded", enabled: false }));
    expect(updated).toMatchObject({ enabled: false, tenantId: acme });
    await deleteRule(actor, acmeScope(), own.id);
    expect((await listRules(acmeScope())).map((r) => r.id)).not.toContain(own.id);
  });
});

describe("delivery log", () => {
  it("re-send moves a dead event back to pending (attempts 0, due now), audited; other events refuse", async () => {
    const dead = await insertEvent(acmeChannel, acme, "dead", 6, "dead-1");
    const delivered = await insertEvent(acmeChannel, acme, "delivered", 1, "ok-1");
    const globexDead = await insertEvent(globexChannel, globex, "dead", 6, "dead-2");
    await expect(resendDeadEvent(actor, acmeScope(), globexDead)).rejects.toMatchObject({ code: "not_found" });
    await expect(resendDeadEvent(actor, acmeScope(), delivered)).rejects.toMatchObject({ code: "conflict" });
    await resendDeadEvent(actor, acmeScope(), dead);
    const { rows } = await t.pool.query(
      `SELECT status, attempts, next_attempt_at <= now() AS due, last_error FROM alert_events WHERE id = $1`,
      [dead],
    );
    expect(rows[0]).toEqual({ status: "pending", attempts: 0, due: true, last_error: "HTTP 500: boom" });
    const audit = await t.pool.query(`SELECT action, tenant_id, before, after FROM audit_log WHERE entity_type = 'alert_event' AND entity_id = $1`, [dead]);
    expect(audit.rows).toEqual([
      { action: "alert_event.resend", tenant_id: acme, before: { status: "dead", attempts: 6, lastError: "HTTP 500: boom" }, after: { status: "pending", attempts: 0 } },
    ]);
    expect((await t.pool.query(`SELECT status FROM alert_events WHERE id = $1`, [globexDead])).rows[0].status).toBe("dead");

    const acmeLog = (await listDeliveries(acmeScope())).rows;
    expect(acmeLog.map((d) => [d.summary, d.status])).toEqual([
      ["summary ok-1", "delivered"],
      ["summary dead-1", "pending"],
    ]);
    expect(acmeLog[1].nextAttemptAt).not.toBeNull();
    expect(acmeLog[0].nextAttemptAt).toBeNull();
    expect((await listDeliveries(staff, { status: "dead" })).rows.map((d) => d.summary)).toEqual(["summary dead-2"]);
    expect((await listDeliveries(staff, { channelId: globexChannel, kind: "anomaly" })).rows.length).toBe(0);
  });
});
