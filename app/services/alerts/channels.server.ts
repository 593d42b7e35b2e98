// A channel row made usable by senders: config validated, secret opened. A row that cannot be
// made usable (bad config, secret sealed with another key) becomes an error value, so the
// worker can dead-letter its events with a clear reason instead of retrying forever.
import type { TxQuery } from "~/core/index.ts";
import { channelConfigSchemas, type ChannelConfig, type ChannelSecret, type ChannelType } from "~/schemas/alerts.ts";
import { openChannelSecret } from "./secrets.server.ts";

type Loaded<T extends ChannelType> = { id: string; name: string; type: T; tenantId: string | null; enabled: boolean; config: ChannelConfig[T]; secret: ChannelSecret[T] };
export type LoadedChannel = { [T in ChannelType]: Loaded<T> }[ChannelType];

export class ChannelUnusable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChannelUnusable";
  }
}

export function toLoadedChannel(row: { id: string; name: string; type: ChannelType; tenant_id: string | null; enabled: boolean; config: unknown; secret_enc: string | null }): LoadedChannel | ChannelUnusable {
  const config = channelConfigSchemas[row.type].safeParse(row.config ?? {});
  const legacyUrl = row.type === "webhook" ? (row.config as { url?: unknown } | null)?.url : undefined;
  if (!config.success) return new ChannelUnusable(`Channel configuration is invalid: ${config.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  let secret: unknown;
  try {
    secret = openChannelSecret(row.type, row.secret_enc, typeof legacyUrl === "string" ? { url: legacyUrl } : {});
  } catch (e) {
    // zod issues name the missing field, never its value; decryption errors never echo the value.
    return new ChannelUnusable(e instanceof Error && e.name === "SecretError" ? e.message : "Channel secret is missing or invalid.");
  }
  return { id: row.id, name: row.name, type: row.type, tenantId: row.tenant_id, enabled: row.enabled, config: config.data, secret } as LoadedChannel;
}

export async function loadChannels(q: TxQuery, ids: string[]): Promise<Map<string, LoadedChannel | ChannelUnusable>> {
  const { rows } = await q(`SELECT id, name, type, tenant_id, enabled, config, secret_enc FROM alert_channels WHERE id = ANY($1::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id as string, toLoadedChannel(r)]));
}

/** Every secret string of a channel, for scrubbing error texts before they are stored or logged. */
export function secretValues(c: LoadedChannel): string[] {
  return Object.values(c.secret as Record<string, unknown>).filter((v): v is string => typeof v === "string" && v.length >= 4);
}

export function redact(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => t.split(s).join("[redacted]"), text);
}
