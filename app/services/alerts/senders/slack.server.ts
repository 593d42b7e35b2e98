// Slack incoming webhook: `text` is the notification fallback, blocks carry the facts.
import type { SlackConfig } from "~/schemas/alerts.ts";
import { absoluteLink, KIND_TITLE, type AlertMessage } from "../message.server.ts";
import { postJson, type SendOptions, type SendResult } from "./http.server.ts";

const EMOJI = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" } as const;

/**
 * Slack's control characters in mrkdwn and `text`: `<…>` makes links and mentions
 * (`<!channel>`, `<@U123>`, `<https://evil|click here>`), `&` starts the entities. Tenant-chosen
 * text (tenant names, touchpoints, user ids, summaries) is escaped so it can only ever be text
 * on a platform channel (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export const slackEscape = (s: string) => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);

export function slackBody(m: AlertMessage) {
  const link = absoluteLink(m.link);
  const summary = slackEscape(m.summary);
  return {
    text: `${EMOJI[m.severity]} ${summary}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: KIND_TITLE[m.kind], emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: `${EMOJI[m.severity]} *${summary}*` } },
      // Slack allows at most 10 fields per section.
      ...(m.facts.length ? [{ type: "section", fields: m.facts.slice(0, 10).map((f) => ({ type: "mrkdwn", text: `*${slackEscape(f.label)}*\n${slackEscape(f.value)}` })) }] : []),
      ...(link ? [{ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Tollgate" }, url: link }] }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `${m.severity} · ${slackEscape(m.occurredAt)} · ${slackEscape(m.dedupeKey)}` }] },
    ],
  };
}

export function sendSlack(_config: SlackConfig, secret: { webhookUrl: string }, m: AlertMessage, opts: SendOptions): Promise<SendResult> {
  return postJson(secret.webhookUrl, JSON.stringify(slackBody(m)), {}, opts);
}
