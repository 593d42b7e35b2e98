// Every channel type delivers a useful message to a real local receiver (HTTP on 127.0.0.1,
// SMTP via smtp-server), and "send test" answers with what the receiver said.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createTenant } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createChannel, events } from "./test/fixtures.ts";
import { closedPort, startHttpReceiver, startSmtpReceiver } from "./test/receivers.ts";
import { sendTestAlert } from "./delivery.server.ts";
import { encryptSecret } from "./secrets.server.ts";
import { enqueueAlerts, enqueueDueResolves, enqueueResolve, type AlertTrigger } from "./outbox.server.ts";
import { deliverDueAlerts } from "./worker.server.ts";

process.env.PUBLIC_URL = "https://tollgate.example.com/";

let t: TestDatabase;
let http: Awaited<ReturnType<typeof startHttpReceiver>>;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
const SIGNING = "whsec-delivery-test-0001";
beforeAll(async () => {
  t = await createTestDatabase();
  http = await startHttpReceiver({ signingSecret: SIGNING });
  smtp = await startSmtpReceiver({ user: "alerts", password: "smtp-pass-123" });
});
afterAll(async () => {
  await http?.close();
  await smtp?.close();
  await t?.drop();
});
beforeEach(async () => {
  await t.pool.query(`DELETE FROM alert_channels`);
  http.requests.length = 0;
  smtp.messages.length = 0;
});

const facts = [
  { label: "Tenant", value: "Acme (acme)" },
  { label: "Spend vs limit", value: "$82.10 of $100.00 (82.1%)" },
];
const trigger = (tenantId: string): AlertTrigger => ({
  kind: "quota_threshold", tenantId, dedupeKey: "quota:q1:2026-11-01T00:00:00.000Z:80", severity: "warning",
  summary: "Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)", facts, link: "/t/acme", resource: "llm", thresholdPercent: 80,
});
const q = () => (text: string, params?: unknown[]) => t.pool.query(text, params);

// All platform channels: the receivers are on 127.0.0.1, which only platform channels may reach
// (ALERT_ALLOWED_HOSTS=127.0.0.1:* in test/fixtures.ts). The webhook used to be acme's own
// channel; a tenant channel aimed at loopback is now refused (outbound.test.ts proves it), and a
// platform channel receives acme's alerts just the same.
async function channels(_tenantId: string) {
  return {
    slack: await createChannel(t.pool, { type: "slack", secret: { webhookUrl: `${http.url}/slack/T0/B0/xyz` } }),
    pagerduty: await createChannel(t.pool, { type: "pagerduty", config: { eventsUrl: `${http.url}/pagerduty` }, secret: { routingKey: "R0UTINGKEY0123" } }),
    webhook: await createChannel(t.pool, { type: "webhook", secret: { url: `${http.url}/hook`, signingSecret: SIGNING } }),
    email: await createChannel(t.pool, {
      type: "email",
      config: { smtpHost: "127.0.0.1", smtpPort: smtp.port, secure: false, username: "alerts", from: "tollgate@example.com", to: ["ops@example.com", "cfo@example.com"] },
      secret: { password: "smtp-pass-123" },
    }),
  };
}

it("one quota warning reaches Slack, PagerDuty, the signed webhook and email with the facts and an absolute link", async () => {
  const acme = await createTenant(t.pool, "acme");
  await channels(acme);
  const now = new Date("2026-11-20T12:00:00Z");
  expect(await enqueueAlerts(q(), trigger(acme), now)).toBe(4);
  expect(await deliverDueAlerts({ pool: t.pool, now: new Date() })).toEqual({ claimed: 4, delivered: 4, retried: 0, dead: 0 });
  expect((await events(t.pool)).map((e) => [e.status, e.attempts, e.lastError])).toEqual(Array(4).fill(["delivered", 1, null]));

  const byPath = (p: string) => http.requests.filter((r) => r.path === p);
  expect(byPath("/slack/T0/B0/xyz")).toHaveLength(1);
  expect(byPath("/slack/T0/B0/xyz")[0].json).toEqual({
    text: ":warning: Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Quota threshold crossed", emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: ":warning: *Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)*" } },
      { type: "section", fields: [{ type: "mrkdwn", text: "*Tenant*\nAcme (acme)" }, { type: "mrkdwn", text: "*Spend vs limit*\n$82.10 of $100.00 (82.1%)" }] },
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Tollgate" }, url: "https://tollgate.example.com/t/acme" }] },
      { type: "context", elements: [{ type: "mrkdwn", text: "warning · 2026-11-20T12:00:00.000Z · quota:q1:2026-11-01T00:00:00.000Z:80" }] },
    ],
  });

  expect(byPath("/pagerduty")[0].json).toEqual({
    routing_key: "R0UTINGKEY0123",
    event_action: "trigger",
    dedup_key: "quota:q1:2026-11-01T00:00:00.000Z:80",
    payload: {
      summary: "Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)",
      severity: "warning",
      source: "tollgate",
      component: acme,
      class: "quota_threshold",
      timestamp: "2026-11-20T12:00:00.000Z",
      custom_details: { Tenant: "Acme (acme)", "Spend vs limit": "$82.10 of $100.00 (82.1%)" },
    },
    links: [{ href: "https://tollgate.example.com/t/acme", text: "Open in Tollgate" }],
    client: "Tollgate",
    client_url: "https://tollgate.example.com/t/acme",
  });

  const hook = byPath("/hook")[0];
  expect(hook.signatureValid).toBe(true);
  expect(hook.headers["x-tollgate-signature"]).toMatch(/^v1=[0-9a-f]{64}$/);
  expect(Math.abs(Number(hook.headers["x-tollgate-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
  expect(hook.json).toEqual({
    kind: "quota_threshold", severity: "warning", summary: "Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)", facts,
    link: "https://tollgate.example.com/t/acme", tenantId: acme, dedupeKey: "quota:q1:2026-11-01T00:00:00.000Z:80", occurredAt: "2026-11-20T12:00:00.000Z",
  });

  expect(smtp.messages).toHaveLength(1);
  const mail = smtp.messages[0];
  expect({ from: mail.from, to: mail.to, auth: mail.auth, subject: mail.subject }).toEqual({
    from: "tollgate@example.com", to: ["ops@example.com", "cfo@example.com"], auth: "alerts",
    subject: "[Tollgate warning] Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)",
  });
  expect(mail.text).toBe(
    [
      "[WARNING] Acme: LLM monthly quota at 82.1% ($82.10 of $100.00)",
      "",
      "Tenant: Acme (acme)",
      "Spend vs limit: $82.10 of $100.00 (82.1%)",
      "",
      "Open in Tollgate: https://tollgate.example.com/t/acme",
      "",
      "Quota threshold crossed · 2026-11-20T12:00:00.000Z · quota:q1:2026-11-01T00:00:00.000Z:80",
    ].join("\n"),
  );
  expect(mail.html).toContain(`<a href="https://tollgate.example.com/t/acme">Open in Tollgate</a>`);
  expect(mail.html).toContain(`<tr><th align="left" style="padding:2px 12px 2px 0">Spend vs limit</th><td>$82.10 of $100.00 (82.1%)</td></tr>`);
});

it("send test answers with the outcome and the receiver's reply, labelled as a test; failures carry the reason", async () => {
  const acme = await createTenant(t.pool, "acme-test");
  const ids = await channels(acme);
  expect(await sendTestAlert(ids.webhook, t.pool)).toEqual({ ok: true, status: 200, outcome: "delivered", detail: "200 ok" });
  const hook = http.requests.at(-1)!;
  expect(hook.signatureValid).toBe(true);
  expect(hook.json).toMatchObject({ kind: "test", severity: "info", summary: 'Test alert from Tollgate for channel "webhook channel": delivery works', link: "https://tollgate.example.com/alerts" });

  const mail = await sendTestAlert(ids.email, t.pool);
  expect(mail).toEqual({ ok: true, status: 250, outcome: "delivered", detail: "250 Message queued as test-1" });
  expect(smtp.messages.at(-1)!.subject).toBe('[Tollgate test] Test alert from Tollgate for channel "email channel": delivery works');

  // Nothing events-wise: a test does not go through the outbox.
  expect(await events(t.pool)).toEqual([]);

  const port = await closedPort();
  const dead = await createChannel(t.pool, { type: "webhook", secret: { url: `http://127.0.0.1:${port}/nothing-listens`, signingSecret: SIGNING } });
  expect(await sendTestAlert(dead, t.pool)).toEqual({ ok: false, status: null, outcome: "could not connect", detail: `connect ECONNREFUSED 127.0.0.1:${port}` });

  const badPassword = await createChannel(t.pool, {
    type: "email",
    config: { smtpHost: "127.0.0.1", smtpPort: smtp.port, username: "alerts", from: "tollgate@example.com", to: ["ops@example.com"] },
    secret: { password: "wrong-password" },
  });
  expect(await sendTestAlert(badPassword, t.pool)).toEqual({ ok: false, status: 535, outcome: "rejected by receiver (SMTP 535)", detail: "535 Invalid username or password" });
  expect(await sendTestAlert("00000000-0000-0000-0000-000000000000", t.pool)).toEqual({ ok: false, status: null, outcome: "Channel not found.", detail: "Channel not found." });
});

it("PagerDuty incidents resolve when the quota period rolls over, or on demand (a dismissed anomaly); other channels get no resolve", async () => {
  const acme = await createTenant(t.pool, "acme-resolve");
  const ids = await channels(acme);
  await t.pool.query(`DELETE FROM alert_channels WHERE id IN ($1, $2)`, [ids.slack, ids.email]);
  const now = new Date("2026-11-20T12:00:00Z");
  await enqueueAlerts(q(), { ...trigger(acme), resolveAt: "2026-12-01T00:00:00.000Z" }, now);
  await enqueueAlerts(q(), { ...trigger(acme), kind: "anomaly", dedupeKey: "anomaly:f1", severity: "critical" }, now);
  expect(await deliverDueAlerts({ pool: t.pool, now })).toMatchObject({ delivered: 4 });

  // Nothing to resolve before the period ends; one resolve (PagerDuty only) after.
  expect(await enqueueDueResolves(q(), new Date("2026-11-30T23:59:59Z"))).toBe(0);
  expect(await enqueueDueResolves(q(), new Date("2026-12-01T00:00:00Z"))).toBe(1);
  expect(await enqueueDueResolves(q(), new Date("2026-12-01T00:05:00Z"))).toBe(0);
  expect(await enqueueResolve(q(), "anomaly:f1", now)).toBe(1);
  expect(await enqueueResolve(q(), "anomaly:f1", now)).toBe(0);
  http.requests.length = 0;
  expect(await deliverDueAlerts({ pool: t.pool, now: new Date("2026-12-01T00:01:00Z") })).toMatchObject({ claimed: 2, delivered: 2 });
  const sent = http.requests.map((r) => [r.path, r.json] as const).sort((a, b) => a[1].dedup_key.localeCompare(b[1].dedup_key));
  expect(sent).toEqual([
    ["/pagerduty", { routing_key: "R0UTINGKEY0123", event_action: "resolve", dedup_key: "anomaly:f1" }],
    ["/pagerduty", { routing_key: "R0UTINGKEY0123", event_action: "resolve", dedup_key: "quota:q1:2026-11-01T00:00:00.000Z:80" }],
  ]);
});

it("a webhook row saved before URLs were secret (URL still in config) is delivered until the start-up migration moves it", async () => {
  const { rows } = await t.pool.query(
    `INSERT INTO alert_channels (type, name, config, secret_enc) VALUES ('webhook', 'Legacy', $1::jsonb, $2) RETURNING id`,
    [JSON.stringify({ source: "panel", url: `${http.url}/legacy` }), encryptSecret(JSON.stringify({ signingSecret: SIGNING }))],
  );
  expect(await sendTestAlert(rows[0].id, t.pool)).toEqual({ ok: true, status: 200, outcome: "delivered", detail: "200 ok" });
  expect(http.requests.map((r) => [r.path, r.signatureValid])).toEqual([["/legacy", true]]);
});
