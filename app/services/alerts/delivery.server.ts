// "Send test" from the panel: a clearly labelled message sent right now, not through the
// outbox, answering with the outcome and (for staff, send-test.page.server.ts decides) what the
// receiver said, so a wrong URL or password shows at once.
import type pg from "pg";
import { dbPool } from "~/db/client.server.ts";
import { ChannelUnusable, loadChannels, redact, secretValues } from "./channels.server.ts";
import { sendToChannel, type SendOptions, type SendResult } from "./senders/index.server.ts";

type SendOptionsOverride = Omit<SendOptions, "reach">;

export async function sendTestAlert(channelId: string, pool: pg.Pool = dbPool(), opts: SendOptionsOverride = {}): Promise<SendResult> {
  const refused = (text: string): SendResult => ({ ok: false, status: null, outcome: text, detail: text });
  if (!/^[0-9a-f-]{36}$/i.test(channelId)) return refused("Channel not found.");
  const channel = (await loadChannels((t, p) => pool.query(t, p), [channelId])).get(channelId);
  if (!channel) return refused("Channel not found.");
  if (channel instanceof ChannelUnusable) return refused(channel.message);
  const now = new Date();
  const r = await sendToChannel(
    channel,
    {
    kind: "test",
    severity: "info",
    summary: `Test alert from Tollgate for channel "${channel.name}": delivery works`,
    facts: [
      { label: "Channel", value: `${channel.name} (${channel.type})` },
      { label: "Scope", value: channel.tenantId ? "tenant channel" : "platform-wide channel" },
      { label: "Note", value: "This is a test sent from the control panel; no quota or anomaly triggered it." },
    ],
    link: "/alerts",
    tenantId: channel.tenantId,
    dedupeKey: `test:${channel.id}:${now.getTime()}`,
    occurredAt: now.toISOString(),
    },
    opts,
  );
  return { ...r, detail: redact(r.detail, secretValues(channel)) };
}
