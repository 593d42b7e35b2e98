// Slack incoming webhook: `text` is the notification fallback, blocks carry the facts.
import type { SlackConfig } from "~/schemas/alerts.ts";
import { absoluteLink, KIND_TITLE, type AlertMessage } from "../message.server.ts";
import { postJson, type SendResult } from "./http.server.ts";

const EMOJI = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" } as const;

export function slackBody(m: AlertMessage) {
  const link = absoluteLink(m.link);
  return {
    text: `${EMOJI[m.severity]} ${m.summary}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: KIND_TITLE[m.kind], emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: `${EMOJI[m.severity]} *${m.summary}*` } },
      // Slack allows at most 10 fields per section.
      ...(m.facts.length ? [{ type: "section", fields: m.facts.slice(0, 10).map((f) => ({ type: "mrkdwn", text: `*${f.label}*\n${f.value}` })) }] : []),
      ...(link ? [{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Tollgate" }, url: link }] }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `${m.severity} · ${m.occurredAt} · ${m.dedupeKey}` }] },
    ],
  };
}

export function sendSlack(_config: SlackConfig, secret: { webhookUrl: string }, m: AlertMessage): Promise<SendResult> {
  return postJson(secret.webhookUrl, JSON.stringify(slackBody(m)));
}
