// Dispatch by channel type: the one place that knows which sender serves which channel.
import type { LoadedChannel } from "../channels.server.ts";
import type { AlertMessage } from "../message.server.ts";
import { sendEmail } from "./email.server.ts";
import type { SendOptions, SendResult } from "./http.server.ts";
import { sendPagerduty } from "./pagerduty.server.ts";
import { sendSlack } from "./slack.server.ts";
import { sendWebhook } from "./webhook.server.ts";

export type { SendOptions, SendResult } from "./http.server.ts";

/**
 * Sends one message. A tenant's channel is held to the public-address policy; a platform (or
 * env) channel may also reach the hosts named in ALERT_ALLOWED_HOSTS (outbound.server.ts).
 */
export async function sendToChannel(c: LoadedChannel, m: AlertMessage, opts: Omit<SendOptions, "reach"> = {}): Promise<SendResult> {
  // Only PagerDuty has incidents to close; the outbox never queues resolves for others.
  if (m.action === "resolve" && c.type !== "pagerduty") return { ok: true, status: null, outcome: "nothing to resolve", detail: "nothing to resolve" };
  const send: SendOptions = { ...opts, reach: c.tenantId ? "tenant" : "platform" };
  switch (c.type) {
    case "slack":
      return sendSlack(c.config, c.secret, m, send);
    case "email":
      return sendEmail(c.config, c.secret, m, send);
    case "pagerduty":
      return sendPagerduty(c.config, c.secret, m, m.action === "resolve" ? "resolve" : "trigger", send);
    case "webhook":
      return sendWebhook(c.secret, m, send);
  }
}
