// Generic webhook: the JSON body signed like Stripe/Slack do it, so receivers can reject forged
// or replayed calls: X-Tollgate-Signature = v1=hex(HMAC-SHA256(secret, `${timestamp}.${rawBody}`)).
import { createHmac } from "node:crypto";
import { absoluteLink, type AlertMessage } from "../message.server.ts";
import { postJson, type SendOptions, type SendResult } from "./http.server.ts";

export function webhookSignature(secret: string, timestamp: string, rawBody: string): string {
  return "v1=" + createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
}

export function webhookBody(m: AlertMessage) {
  const { kind, severity, summary, facts, tenantId, dedupeKey, occurredAt } = m;
  return { kind, severity, summary, facts, link: absoluteLink(m.link), tenantId, dedupeKey, occurredAt };
}

/** The URL lives in the sealed secret: it often carries a bearer token (…/hooks/<token>). */
export function sendWebhook(secret: { url: string; signingSecret: string }, m: AlertMessage, opts: SendOptions, now = new Date()): Promise<SendResult> {
  const body = JSON.stringify(webhookBody(m));
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return postJson(secret.url, body, {
    "X-Tollgate-Timestamp": timestamp,
    "X-Tollgate-Signature": webhookSignature(secret.signingSecret, timestamp, body),
  }, opts);
}
