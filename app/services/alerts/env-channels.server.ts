// Channels configured by COST_ALERT_* variables (SPEC §8) become ordinary alert_channels rows
// (config.source = "env", read-only in the panel) with a rule for every kind, so the worker and
// the delivery log treat them like any other channel. Applied at worker start: the env wins
// over the stored row, and an env channel no longer listed is disabled (its history is kept).
import type pg from "pg";
import { alertKind, channelConfigSchemas, channelSecretSchemas, type ChannelType } from "~/schemas/alerts.ts";
import { withTransaction } from "~/db/transaction.server.ts";
import type { Config } from "../config.server.ts";
import { logger } from "../logger.server.ts";
import { sealChannelSecret } from "./secrets.server.ts";

const ENV_LOCK = 7310; // advisory-lock namespace: instances starting together must not insert twice

type EnvChannel = { type: ChannelType; name: string; config: Record<string, unknown>; secret: Record<string, unknown> };

/** The env channels the configuration asks for, or the variables each one is missing. */
export function envChannels(c: Config): { channels: EnvChannel[]; problems: string[] } {
  const channels: EnvChannel[] = [];
  const problems: string[] = [];
  const need = (type: ChannelType, vars: Record<string, unknown>) => {
    const missing = Object.entries(vars).filter(([, v]) => v === undefined).map(([k]) => k);
    if (missing.length) problems.push(`COST_ALERT_CHANNELS lists ${type} but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set`);
    return !missing.length;
  };
  for (const type of new Set(c.COST_ALERT_CHANNELS)) {
    if (type === "slack" && need(type, { COST_ALERT_SLACK_WEBHOOK_URL: c.COST_ALERT_SLACK_WEBHOOK_URL })) {
      channels.push({ type, name: "Slack (env)", config: {}, secret: { webhookUrl: c.COST_ALERT_SLACK_WEBHOOK_URL } });
    }
    if (type === "email" && need(type, { COST_ALERT_EMAIL_SMTP_HOST: c.COST_ALERT_EMAIL_SMTP_HOST, COST_ALERT_EMAIL_TO: c.COST_ALERT_EMAIL_TO })) {
      channels.push({
        type, name: "Email (env)",
        config: { smtpHost: c.COST_ALERT_EMAIL_SMTP_HOST, smtpPort: c.COST_ALERT_EMAIL_SMTP_PORT, secure: c.COST_ALERT_EMAIL_SMTP_SECURE, username: c.COST_ALERT_EMAIL_SMTP_USER, from: c.COST_ALERT_EMAIL_FROM, to: c.COST_ALERT_EMAIL_TO },
        secret: { password: c.COST_ALERT_EMAIL_SMTP_PASSWORD },
      });
    }
    if (type === "pagerduty" && need(type, { COST_ALERT_PAGERDUTY_ROUTING_KEY: c.COST_ALERT_PAGERDUTY_ROUTING_KEY })) {
      channels.push({ type, name: "PagerDuty (env)", config: { eventsUrl: c.COST_ALERT_PAGERDUTY_EVENTS_URL }, secret: { routingKey: c.COST_ALERT_PAGERDUTY_ROUTING_KEY } });
    }
    if (type === "webhook" && need(type, { COST_ALERT_WEBHOOK_URL: c.COST_ALERT_WEBHOOK_URL, COST_ALERT_WEBHOOK_SECRET: c.COST_ALERT_WEBHOOK_SECRET })) {
      channels.push({ type, name: "Webhook (env)", config: {}, secret: { url: c.COST_ALERT_WEBHOOK_URL, signingSecret: c.COST_ALERT_WEBHOOK_SECRET } });
    }
  }
  return { channels, problems };
}

/** Upserts the env channels (one platform-wide row per type) and their rules; returns their ids. */
export async function syncEnvChannels(pool: pg.Pool, c: Config): Promise<string[]> {
  const { channels, problems } = envChannels(c);
  for (const p of problems) logger("alerts").error(`${p}; that channel is skipped.`);
  return withTransaction(async (client) => {
    const ids: string[] = [];
    await client.query("SELECT pg_advisory_xact_lock($1, 0)", [ENV_LOCK]);
    const { rows: existing } = await client.query(`SELECT id, type FROM alert_channels WHERE tenant_id IS NULL AND config->>'source' = 'env'`);
    for (const ch of channels) {
      // Validate like panel input: a bad env value fails here with the field named, not at send time.
      const config = { source: "env", ...channelConfigSchemas[ch.type].parse(ch.config) };
      const secretEnc = sealChannelSecret(ch.type, channelSecretSchemas[ch.type].parse(ch.secret) as never);
      const found = existing.find((r) => r.type === ch.type);
      const id = found
        ? (await client.query(`UPDATE alert_channels SET config = $2, secret_enc = $3, enabled = true WHERE id = $1 RETURNING id`, [found.id, config, secretEnc])).rows[0].id
        : (await client.query(`INSERT INTO alert_channels (type, name, config, secret_enc) VALUES ($1, $2, $3, $4) RETURNING id`, [ch.type, ch.name, config, secretEnc])).rows[0].id;
      for (const kind of alertKind.options) {
        await client.query(
          `INSERT INTO alert_rules (channel_id, kind) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM alert_rules WHERE channel_id = $1 AND kind = $2)`,
          [id, kind],
        );
      }
      ids.push(id);
    }
    await client.query(`UPDATE alert_channels SET enabled = false WHERE tenant_id IS NULL AND config->>'source' = 'env' AND NOT (id = ANY($1::uuid[]))`, [ids]);
    return ids;
  }, { pool });
}
