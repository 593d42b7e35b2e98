// COST_ALERT_* → platform-wide channel rows (source "env") with a rule per kind; idempotent,
// safe for instances starting together, and delivering to the env-configured receiver.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { parseConfig } from "../config.server.ts";
import { captureLogs } from "../logger.server.ts";
import "./test/fixtures.ts";
import { startHttpReceiver } from "./test/receivers.ts";
import { envChannels, syncEnvChannels } from "./env-channels.server.ts";
import { publicUrl } from "./message.server.ts";
import { enqueueAlerts } from "./outbox.server.ts";
import { openChannelSecret } from "./secrets.server.ts";
import { deliverDueAlerts } from "./worker.server.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.drop());

const envChannelRows = async () =>
  (
    await t.pool.query(
      `SELECT c.type, c.name, c.enabled, c.config, c.secret_enc, array_agg(r.kind::text ORDER BY r.kind::text) AS kinds
         FROM alert_channels c LEFT JOIN alert_rules r ON r.channel_id = c.id
        WHERE c.config->>'source' = 'env' GROUP BY c.id ORDER BY c.type`,
    )
  ).rows;

it("materializes the listed channels once (concurrent starts too), updates them, and disables one no longer listed", async () => {
  const receiver = await startHttpReceiver({ signingSecret: "env-webhook-secret" });
  try {
    const env = {
      COST_ALERT_CHANNELS: "webhook, email",
      COST_ALERT_WEBHOOK_URL: `${receiver.url}/env-hook`,
      COST_ALERT_WEBHOOK_SECRET: "env-webhook-secret",
      COST_ALERT_EMAIL_SMTP_HOST: "127.0.0.1",
      COST_ALERT_EMAIL_SMTP_PORT: "2525",
      COST_ALERT_EMAIL_SMTP_USER: "mailer",
      COST_ALERT_EMAIL_SMTP_PASSWORD: "env-smtp-password",
      COST_ALERT_EMAIL_TO: "ops@example.com, finance@example.com",
    };
    await Promise.all([syncEnvChannels(t.pool, parseConfig(env)), syncEnvChannels(t.pool, parseConfig(env))]);
    await syncEnvChannels(t.pool, parseConfig(env));
    let rows = await envChannelRows();
    const kinds = ["anomaly", "forecast_breach", "quota_exceeded", "quota_threshold"];
    expect(rows.map(({ secret_enc: _s, ...r }) => r)).toEqual([
      {
        type: "email", name: "Email (env)", enabled: true, kinds,
        config: { source: "env", smtpHost: "127.0.0.1", smtpPort: 2525, secure: false, username: "mailer", from: "tollgate@localhost", to: ["ops@example.com", "finance@example.com"] },
      },
      // The webhook URL is sealed with the signing secret (it is often a bearer secret itself).
      { type: "webhook", name: "Webhook (env)", enabled: true, kinds, config: { source: "env" } },
    ]);
    expect(rows[0].secret_enc).not.toContain("env-smtp-password");
    expect(openChannelSecret("email", rows[0].secret_enc)).toEqual({ password: "env-smtp-password" });
    expect(openChannelSecret("webhook", rows[1].secret_enc)).toEqual({ url: `${receiver.url}/env-hook`, signingSecret: "env-webhook-secret" });

    // A platform alert reaches the env webhook (127.0.0.1 is admitted by ALERT_ALLOWED_HOSTS, test/fixtures.ts).
    await enqueueAlerts((q, p) => t.pool.query(q, p), {
      kind: "forecast_breach", tenantId: null, dedupeKey: "forecast:q:2026-11", severity: "warning", summary: "Platform LLM quota will be exceeded on Nov 27", facts: [], link: "/quotas",
    });
    const webhookEvents = await t.pool.query(`SELECT count(*)::int AS n FROM alert_events e JOIN alert_channels c ON c.id = e.channel_id WHERE c.type = 'webhook'`);
    expect(webhookEvents.rows[0].n).toBe(1);
    await t.pool.query(`DELETE FROM alert_events WHERE channel_id IN (SELECT id FROM alert_channels WHERE type = 'email')`);
    expect(await deliverDueAlerts({ pool: t.pool })).toMatchObject({ delivered: 1 });
    expect(receiver.requests[0]).toMatchObject({ path: "/env-hook", signatureValid: true, json: { kind: "forecast_breach", link: `${publicUrl()}/quotas` } });

    // Email dropped from the list and the webhook URL changed: email disabled, webhook updated in place.
    await syncEnvChannels(t.pool, parseConfig({ ...env, COST_ALERT_CHANNELS: "webhook", COST_ALERT_WEBHOOK_URL: "https://hooks.example.com/x" }));
    rows = await envChannelRows();
    expect(rows.map((r) => [r.type, r.enabled, r.type === "webhook" ? openChannelSecret("webhook", r.secret_enc).url : null])).toEqual([["email", false, null], ["webhook", true, "https://hooks.example.com/x"]]);
  } finally {
    await receiver.close();
  }
});

it("a listed channel missing its variables is skipped with a message naming them (no value printed)", async () => {
  const c = parseConfig({ COST_ALERT_CHANNELS: "slack,pagerduty,webhook", COST_ALERT_PAGERDUTY_ROUTING_KEY: "pd-key-123", COST_ALERT_WEBHOOK_SECRET: "only-secret" });
  expect(envChannels(c).problems).toEqual([
    "COST_ALERT_CHANNELS lists slack but COST_ALERT_SLACK_WEBHOOK_URL is not set",
    "COST_ALERT_CHANNELS lists webhook but COST_ALERT_WEBHOOK_URL is not set",
  ]);
  expect(envChannels(c).channels.map((ch) => [ch.type, ch.config])).toEqual([["pagerduty", { eventsUrl: "https://events.pagerduty.com/v2/enqueue" }]]);
  const logs = captureLogs();
  await syncEnvChannels(t.pool, c);
  logs.restore();
  expect(logs.lines().map((l) => [l.level, l.component, l.msg])).toEqual([
    ["error", "alerts", "COST_ALERT_CHANNELS lists slack but COST_ALERT_SLACK_WEBHOOK_URL is not set; that channel is skipped."],
    ["error", "alerts", "COST_ALERT_CHANNELS lists webhook but COST_ALERT_WEBHOOK_URL is not set; that channel is skipped."],
  ]);
  // The previous webhook env channel is disabled now; PagerDuty is the one enabled env channel.
  expect((await envChannelRows()).filter((r) => r.enabled).map((r) => r.type)).toEqual(["pagerduty"]);
});
