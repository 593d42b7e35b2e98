// The outbound policy end to end, against real receivers on this machine: refused address
// classes and ports give a form error at save time and a generic outcome at send time, and the
// receiver gets nothing; the allow-list admits a loopback receiver for platform channels only;
// redirects are not followed; a silent receiver meets the overall deadline; tenant admins see
// outcomes, never details; "Send test" is rate-limited per channel.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createChannel as saveChannel, updateChannel } from "./channels.page.server.ts";
import { listDeliveries } from "./deliveries.page.server.ts";
import type { AlertScope } from "./scope.page.server.ts";
import { sendChannelTest, TEST_SENDS_PER_MINUTE } from "./send-test.page.server.ts";
import { sendTestAlert } from "./delivery.server.ts";
import { parseConfig } from "../config.server.ts";
import { OutboundRefused, parseAllowList, resolveDestination } from "./outbound.server.ts";
import { enqueueAlerts } from "./outbox.server.ts";
import { createChannel as insertChannel } from "./test/fixtures.ts";
import { closedPort, startHttpReceiver, startSilentReceiver } from "./test/receivers.ts";
import { deliverDueAlerts } from "./worker.server.ts";

let t: TestDatabase;
let acme: string;
let anywhere: Awaited<ReturnType<typeof startHttpReceiver>>;
const actor = { id: null, label: "user:ops@tollgate.test" };
const staff: AlertScope = { kind: "staff" };
const acmeScope = (): AlertScope => ({ kind: "tenant", tenantId: acme });
const SIGNING = "whsec-outbound-test";
const ADDRESS_MESSAGE = "this address is not allowed: alerts go only to public internet addresses";

beforeAll(async () => {
  t = await createAppTestDatabase();
  acme = (await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') RETURNING id`)).rows[0].id;
  // Listens on every local address: whatever loopback spelling slips through would land here.
  anywhere = await startHttpReceiver({ host: "::", respond: () => [200, "internal secret: s3cr3t-token"] });
});
afterAll(async () => {
  await anywhere?.close();
  await t?.drop();
});
beforeEach(async () => {
  await t.pool.query(`DELETE FROM alert_channels`);
  anywhere.requests.length = 0;
});

const channelCount = async () => (await t.pool.query(`SELECT count(*)::int AS n FROM alert_channels`)).rows[0].n;
const webhookForm = (url: string) => ({ type: "webhook", fields: { type: "webhook", name: "Hook", enabled: true, url, signingSecret: SIGNING } });

describe("refused destinations", () => {
  // Each refused class, spelled as a tenant admin might type it. `P` is a port a receiver listens on.
  const refusedUrls = (P: number) => [
    `http://127.0.0.1:${P}/hook`,
    `http://[::1]:${P}/hook`,
    `http://localhost:${P}/hook`,
    `http://[::ffff:127.0.0.1]:${P}/hook`,
    `http://0.0.0.0:${P}/hook`,
    `http://2130706433:${P}/hook`, // 127.0.0.1 as one decimal number
    "http://10.0.0.1/hook",
    "http://172.16.0.1/hook",
    "http://192.168.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://[fc00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00:ec2::254]/latest/meta-data/",
  ];

  it("a tenant channel to any internal address is a form error; nothing is written and nothing is sent", async () => {
    for (const url of refusedUrls(anywhere.port)) {
      await expect(saveChannel(actor, acmeScope(), acme, webhookForm(url)), url).rejects.toMatchObject({
        code: "invalid_request",
        issues: [{ path: "url", message: ADDRESS_MESSAGE }],
      });
    }
    // The same for Slack, PagerDuty and an SMTP host, each on its own field.
    await expect(saveChannel(actor, acmeScope(), acme, { type: "slack", fields: { type: "slack", name: "S", enabled: true, webhookUrl: `http://localhost:${anywhere.port}/x` } })).rejects.toMatchObject({
      issues: [{ path: "webhookUrl", message: ADDRESS_MESSAGE }],
    });
    await expect(saveChannel(actor, acmeScope(), acme, { type: "pagerduty", fields: { type: "pagerduty", name: "P", enabled: true, routingKey: "RK-123", eventsUrl: "https://169.254.169.254/" } })).rejects.toMatchObject({
      issues: [{ path: "eventsUrl", message: ADDRESS_MESSAGE }],
    });
    const email = { type: "email", name: "E", enabled: true, smtpHost: "127.0.0.1", smtpPort: "587", from: "a@example.com", to: "b@example.com" };
    await expect(saveChannel(actor, acmeScope(), acme, { type: "email", fields: email })).rejects.toMatchObject({ issues: [{ path: "smtpHost", message: ADDRESS_MESSAGE }] });
    expect(await channelCount()).toBe(0);
    expect(anywhere.requests).toHaveLength(0);
  });

  it("a stored channel that points inside (saved before the policy, or DNS moved) is refused at send time with a generic outcome", async () => {
    for (const url of refusedUrls(anywhere.port)) {
      const id = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url, signingSecret: SIGNING } });
      const r = await sendTestAlert(id, t.pool);
      expect({ ok: r.ok, status: r.status, outcome: r.outcome }, url).toEqual({ ok: false, status: null, outcome: "not sent: address not allowed" });
      expect(r.detail).toMatch(/^refused: .* resolves to .* \(/);
    }
    expect(anywhere.requests).toHaveLength(0);
  });

  it("an internal host answers the same whether its port is open or closed (no port scanning)", async () => {
    const open = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: `http://127.0.0.1:${anywhere.port}/`, signingSecret: SIGNING } });
    const closed = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: `http://127.0.0.1:${await closedPort()}/`, signingSecret: SIGNING } });
    const answers = await Promise.all([open, closed].map((id) => sendChannelTest(acmeScope(), id, { staff: false })));
    expect(answers).toEqual([
      { throttled: false, answer: { ok: false, status: null, outcome: "not sent: address not allowed", detail: null } },
      { throttled: false, answer: { ok: false, status: null, outcome: "not sent: address not allowed", detail: null } },
    ]);
    expect(anywhere.requests).toHaveLength(0);
  });

  it("ports other than 80/443 (HTTP) and 25/465/587 (SMTP) are refused, on the field that holds them", async () => {
    await expect(saveChannel(actor, acmeScope(), acme, webhookForm("https://93.184.215.14:8443/hook"))).rejects.toMatchObject({
      issues: [{ path: "url", message: "port 8443 is not allowed; alerts use ports 80, 443" }],
    });
    const email = { type: "email", name: "E", enabled: true, smtpHost: "93.184.215.14", smtpPort: "2525", from: "a@example.com", to: "b@example.com" };
    await expect(saveChannel(actor, acmeScope(), acme, { type: "email", fields: email })).rejects.toMatchObject({
      issues: [{ path: "smtpPort", message: "port 2525 is not allowed; alerts use ports 25, 465, 587" }],
    });
    // A public address on a standard port passes the check (the save itself does not connect).
    const ok = await saveChannel(actor, acmeScope(), acme, webhookForm("https://93.184.215.14/hook"));
    expect(ok.destination).toBe("https://93.184.215.14/…");
    expect(await channelCount()).toBe(1);
  });

  it("a host with ANY refused address is refused (one public and one private answer)", async () => {
    const resolve = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ];
    const refused = await resolveDestination("mixed.example", 443, "http", "tenant", resolve).catch((e) => e);
    expect(refused).toBeInstanceOf(OutboundRefused);
    expect(refused).toMatchObject({ code: "address_not_allowed", detail: "mixed.example resolves to 10.1.2.3 (private); not in ALERT_ALLOWED_HOSTS for this channel" });
    await expect(resolveDestination("public.example", 443, "http", "tenant", async () => [{ address: "93.184.215.14", family: 4 }])).resolves.toEqual({
      hostname: "public.example",
      port: 443,
      address: "93.184.215.14",
      family: 4,
    });
  });
});

describe("the operator allow-list (ALERT_ALLOWED_HOSTS=127.0.0.1:*,localhost:* in these tests)", () => {
  it("admits a loopback receiver for a platform channel only; the same URL on a tenant channel is refused", async () => {
    const url = `http://127.0.0.1:${anywhere.port}/platform`;
    const platform = await saveChannel(actor, staff, null, webhookForm(url));
    expect(await sendTestAlert(platform.id, t.pool)).toEqual({ ok: true, status: 200, outcome: "delivered", detail: "200 internal secret: s3cr3t-token" });
    expect(anywhere.requests.map((r) => r.path)).toEqual(["/platform"]);

    // Staff creating it for a tenant get the tenant rule: refused.
    await expect(saveChannel(actor, staff, acme, webhookForm(url))).rejects.toMatchObject({ issues: [{ path: "url", message: ADDRESS_MESSAGE }] });
    const stored = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url, signingSecret: SIGNING } });
    expect((await sendTestAlert(stored, t.pool)).outcome).toBe("not sent: address not allowed");
    expect(anywhere.requests).toHaveLength(1);
  });

  it("a listed name is resolved and connected to the checked address, with the name kept as Host", async () => {
    const platform = await insertChannel(t.pool, { type: "webhook", secret: { url: `http://localhost:${anywhere.port}/by-name`, signingSecret: SIGNING } });
    expect((await sendTestAlert(platform, t.pool)).outcome).toBe("delivered");
    expect(anywhere.requests[0].headers.host).toBe(`localhost:${anywhere.port}`);
  });

  it("an unlisted internal address is refused even for a platform channel", async () => {
    for (const url of [`http://127.0.0.2:${anywhere.port}/`, `http://[::1]:${anywhere.port}/`]) {
      await expect(saveChannel(actor, staff, null, webhookForm(url)), url).rejects.toMatchObject({ issues: [{ path: "url", message: ADDRESS_MESSAGE }] });
      const id = await insertChannel(t.pool, { type: "webhook", secret: { url, signingSecret: SIGNING } });
      expect((await sendTestAlert(id, t.pool)).outcome).toBe("not sent: address not allowed");
    }
    expect(anywhere.requests).toHaveLength(0);
  });

  it("editing a tenant channel re-checks the stored URL even when the field is left blank", async () => {
    const id = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: `http://127.0.0.1:${anywhere.port}/old`, signingSecret: SIGNING } });
    await expect(updateChannel(actor, acmeScope(), id, { type: "webhook", fields: { type: "webhook", name: "Renamed", enabled: true } })).rejects.toMatchObject({
      issues: [{ path: "url", message: ADDRESS_MESSAGE }],
    });
    expect((await t.pool.query(`SELECT name FROM alert_channels WHERE id = $1`, [id])).rows[0].name).toBe("webhook channel");
  });
});

describe("redirects and deadlines", () => {
  it("a 302 is a failure, not followed: the second receiver gets nothing", async () => {
    const second = await startHttpReceiver();
    const first = await startHttpReceiver({ respond: () => [302, "moved", { Location: `${second.url}/elsewhere` }] });
    try {
      const id = await insertChannel(t.pool, { type: "webhook", secret: { url: `${first.url}/hook`, signingSecret: SIGNING } });
      expect(await sendTestAlert(id, t.pool)).toEqual({ ok: false, status: 302, outcome: "redirect not followed", detail: `302 redirect to ${second.url}/elsewhere not followed` });
      expect(first.requests).toHaveLength(1);
      expect(second.requests).toHaveLength(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("a receiver that accepts and never answers: HTTP and SMTP sends end as 'timed out' and close the connection", async () => {
    const silent = await startSilentReceiver();
    try {
      const hook = await insertChannel(t.pool, { type: "webhook", secret: { url: `http://127.0.0.1:${silent.port}/hook`, signingSecret: SIGNING } });
      const mail = await insertChannel(t.pool, {
        type: "email",
        config: { smtpHost: "127.0.0.1", smtpPort: silent.port, secure: false, from: "tollgate@example.com", to: ["ops@example.com"] },
        secret: { password: undefined },
      });
      const http = await sendTestAlert(hook, t.pool, { deadlineMs: 300 });
      const smtp = await sendTestAlert(mail, t.pool, { deadlineMs: 300 });
      expect(silent.connections()).toBe(2); // the fault happened: both reached the receiver
      expect(http).toEqual({ ok: false, status: null, outcome: "timed out", detail: "timed out (no complete answer within the deadline)" });
      expect(smtp).toEqual({ ok: false, status: null, outcome: "timed out", detail: "timed out (no complete answer within the deadline)" });
      await expect.poll(() => silent.open()).toBe(0);
    } finally {
      await silent.close();
    }
  });
});

describe("what each viewer sees", () => {
  it("send test: staff see the receiver's answer (≤ 200 characters), others only the outcome", async () => {
    const long = await startHttpReceiver({ respond: () => [500, `internal stack: ${"x".repeat(400)}`] });
    try {
      const id = await insertChannel(t.pool, { type: "webhook", secret: { url: `${long.url}/hook`, signingSecret: SIGNING } });
      const asStaff = await sendChannelTest(staff, id, { staff: true });
      const asOther = await sendChannelTest(staff, id, { staff: false });
      expect(asStaff).toEqual({ throttled: false, answer: { ok: false, status: 500, outcome: "rejected by receiver (HTTP 500)", detail: `500 internal stack: ${"x".repeat(200 - "internal stack: ".length)}` } });
      expect(asOther).toEqual({ throttled: false, answer: { ok: false, status: 500, outcome: "rejected by receiver (HTTP 500)", detail: null } });
    } finally {
      await long.close();
    }
  });

  it("delivery log: the detail for staff, the outcome for a tenant admin", async () => {
    const id = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: `http://127.0.0.1:${anywhere.port}/x`, signingSecret: SIGNING } });
    const trigger = { kind: "quota_exceeded" as const, tenantId: acme, dedupeKey: "outbound-log", severity: "critical" as const, summary: "Acme over quota", facts: [], link: null, resource: "llm" as const };
    await enqueueAlerts((text, params) => t.pool.query(text, params), trigger, new Date());
    expect(await deliverDueAlerts({ pool: t.pool, now: new Date(), maxAttempts: 1 })).toMatchObject({ claimed: 1, dead: 1 });
    const [forStaff] = (await listDeliveries(staff, { channelId: id })).rows;
    const [forTenant] = (await listDeliveries(acmeScope(), { channelId: id })).rows;
    expect(forStaff.lastError).toBe(`refused: 127.0.0.1 resolves to 127.0.0.1 (loopback); not in ALERT_ALLOWED_HOSTS for this channel`);
    expect(forTenant.lastError).toBe("not sent: address not allowed");
    // Staff on the tenant's pages still read the detail (the role decides, not the page).
    expect((await listDeliveries(acmeScope(), { channelId: id }, {}, 50, true)).rows[0].lastError).toBe(forStaff.lastError);
    expect(anywhere.requests).toHaveLength(0);
  });
});

describe("send test rate limit", () => {
  it(`allows ${TEST_SENDS_PER_MINUTE} per channel per minute, then says when to try again; other channels are unaffected`, async () => {
    const refusedUrl = `http://127.0.0.1:${anywhere.port}/`; // refused without any network traffic
    const a = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: refusedUrl, signingSecret: SIGNING } });
    const b = await insertChannel(t.pool, { type: "webhook", tenantId: acme, secret: { url: refusedUrl, signingSecret: SIGNING } });
    const t0 = new Date("2030-01-01T00:00:00Z");
    const at = (ms: number) => () => new Date(t0.getTime() + ms);
    for (let i = 0; i < TEST_SENDS_PER_MINUTE; i++) expect((await sendChannelTest(acmeScope(), a, { staff: false }, at(i * 1000))).throttled).toBe(false);
    expect(await sendChannelTest(acmeScope(), a, { staff: false }, at(10_000))).toEqual({ throttled: true, retryAfterSeconds: 50, message: "Too many test sends; try again in 50 s." });
    expect((await sendChannelTest(acmeScope(), b, { staff: false }, at(10_000))).throttled).toBe(false);
    // The first press leaves the window 60 s after it was made.
    expect((await sendChannelTest(acmeScope(), a, { staff: false }, at(60_001))).throttled).toBe(false);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM alert_test_sends WHERE channel_id = $1`, [a])).rows[0].n).toBe(TEST_SENDS_PER_MINUTE + 1);
  });
});

describe("ALERT_ALLOWED_HOSTS", () => {
  it("reads host, host:port, host:* and IPv6 entries; a malformed list stops the start naming the variable", () => {
    const list = parseConfig({ ALERT_ALLOWED_HOSTS: "127.0.0.1:9100, Alerts.Internal ,[::1]:*,fd00::5,," }).ALERT_ALLOWED_HOSTS;
    expect(parseAllowList(list)).toEqual([
      { host: "127.0.0.1", port: 9100 },
      { host: "alerts.internal", port: null },
      { host: "::1", port: "*" },
      { host: "fd00::5", port: null },
    ]);
    expect(parseConfig({}).ALERT_ALLOWED_HOSTS).toEqual([]);
    expect(() => parseConfig({ ALERT_ALLOWED_HOSTS: "http://alerts.internal/" })).toThrow("ALERT_ALLOWED_HOSTS: must list host, host:port or host:* entries");
  });
});
