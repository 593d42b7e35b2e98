// Alert test fixtures: channels and rules inserted with plain SQL (secrets sealed as the app
// does; no save-time outbound check, so send-time refusal can be tested), and the outbox rows
// read back. Sets a SECRETS_KEY before anything reads the config so
// tests never generate a key file in the working tree.
import type pg from "pg";
import type { AlertKind, ChannelSecret, ChannelType } from "~/schemas/alerts.ts";
import { sealChannelSecret } from "../secrets.server.ts";

process.env.SECRETS_KEY ??= "alerts-test-secrets-key-0123456789";
// The local receivers listen on 127.0.0.1 (random ports): admitted for platform channels only,
// exactly as an operator would list an internal receiver. Tenant channels never reach them.
process.env.ALERT_ALLOWED_HOSTS ??= "127.0.0.1:*,localhost:*";

export const ALL_KINDS: AlertKind[] = ["quota_threshold", "quota_exceeded", "anomaly", "forecast_breach"];

export async function createChannel<T extends ChannelType>(
  pool: pg.Pool,
  c: { type: T; name?: string; tenantId?: string | null; config?: Record<string, unknown>; secret: ChannelSecret[T]; enabled?: boolean; kinds?: AlertKind[]; params?: Record<string, unknown> },
): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO alert_channels (tenant_id, type, name, config, secret_enc, enabled) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [c.tenantId ?? null, c.type, c.name ?? `${c.type} channel`, JSON.stringify({ source: "panel", ...c.config }), sealChannelSecret(c.type, c.secret), c.enabled ?? true],
  );
  const id = rows[0].id as string;
  for (const kind of c.kinds ?? ALL_KINDS) await addRule(pool, id, kind, c.params ?? {}, c.tenantId ?? null);
  return id;
}

export async function addRule(pool: pg.Pool, channelId: string, kind: AlertKind, params: Record<string, unknown> = {}, tenantId: string | null = null, enabled = true) {
  await pool.query(`INSERT INTO alert_rules (tenant_id, channel_id, kind, params, enabled) VALUES ($1, $2, $3, $4, $5)`, [tenantId, channelId, kind, JSON.stringify(params), enabled]);
}

export interface EventRow {
  id: string;
  channelId: string;
  dedupeKey: string;
  kind: AlertKind;
  status: "pending" | "delivered" | "dead";
  attempts: number;
  lastError: string | null;
  payload: any;
  nextAttemptAt: Date;
}

export async function events(pool: pg.Pool): Promise<EventRow[]> {
  const { rows } = await pool.query(
    `SELECT id::text, channel_id AS "channelId", dedupe_key AS "dedupeKey", kind, status, attempts, last_error AS "lastError", payload, next_attempt_at AS "nextAttemptAt"
       FROM alert_events ORDER BY id`,
  );
  return rows;
}
