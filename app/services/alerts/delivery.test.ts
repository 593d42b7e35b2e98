// Every channel type delivers a useful message to a real local receiver (HTTP on 127.0.0.1,
// SMTP via smtp-server), and "send test" answers with what the receiver said.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createTenant } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createChannel, events } from "./test/fixtures.ts";
import { closedPort, startHttpReceiver, startSmtpReceiver } from "./test/receivers.ts";
import { sendTestAlert } from "./delivery.server.ts";
import { enqueueAlerts, type AlertTrigger } from "./outbox.server.ts";
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

async function channels(tenantId: string) {
  return {
    slack: await createChannel(t.pool, { type: "slack", secret: { webhookUrl: `${http.url}/slack/T0/B0/xyz` } }),
    pagerduty: await createChannel(t.pool, { type: "pagerduty", config: { eventsUrl: `${http.url}/pagerduty` }, secret: { routingKey: "R0UTINGKEY0123" } }),
    webhook: await createChannel(t.pool, { type: "webhook", tenantId, config: { url: `${http.url}/hook` }, secret: { signingSecret: SIGNING } }),
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

it("send test answers with the receiver's reply, labelled as a test; failures carry the reason", async () => {
  const acme = await createTenant(t.pool, "acme-test");
  const ids = await channels(acme);
  expect(await sendTestAlert(ids.webhook, t.pool)).toEqual({ ok: true, status: 200, response: "200 ok" });
  const hook = http.requests.at(-1)!;
  expect(hook.signatureValid).toBe(true);
  expect(hook.json).toMatchObject({ kind: "test", severity: "info", summary: 'Test alert from Tollgate for channel "webhook channel": delivery works', link: "https://tollgate.example.com/alerts" });

  const mail = await sendTestAlert(ids.email, t.pool);
  expect(mail).toEqual({ ok: true, status: 250, response: "250 Message queued as test-1" });
  expect(smtp.messages.at(-1)!.subject).toBe('[Tollgate test] Test alert from Tollgate for channel "email channel": delivery works');

  // Nothing events-wise: a test does not go through the outbox.
  expect(await events(t.pool)).toEqual([]);

  const port = await closedPort();
  const dead = await createChannel(t.pool, { type: "webhook", config: { url: `http://127.0.0.1:${port}/nothing-listens` }, secret: { signingSecret: SIGNING } });
  expect(await sendTestAlert(dead, t.pool)).toEqual({ ok: false, status: null, response: `connect ECONNREFUSED 127.0.0.1:${port}` });

  const badPassword = await createChannel(t.pool, {
    type: "email",
    config: { smtpHost: "127.0.0.1", smtpPort: smtp.port, username: "alerts", from: "tollgate@example.com", to: ["ops@example.com"] },
    secret: { password: "wrong-password" },
  });
  expect(await sendTestAlert(badPassword, t.pool)).toEqual({ ok: false, status: 535, response: "535 Invalid username or password" });
  expect(await sendTestAlert("00000000-0000-0000-0000-000000000000", t.pool)).toEqual({ ok: false, status: null, response: "Channel not found." });
});
