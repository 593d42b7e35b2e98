// PagerDuty Events API v2. dedup_key is the alert's dedupe key, so PagerDuty groups repeats of
// one occurrence into one incident and a later `resolve` with the same key closes it.
import type { PagerdutyConfig } from "~/schemas/alerts.ts";
import { absoluteLink, type AlertMessage } from "../message.server.ts";
import { postJson, type SendOptions, type SendResult } from "./http.server.ts";

// PagerDuty's severities are critical | error | warning | info.
const SEVERITY = { info: "info", warning: "warning", critical: "critical" } as const;

export function pagerdutyBody(routingKey: string, m: AlertMessage, action: "trigger" | "resolve" = "trigger") {
  const link = absoluteLink(m.link);
  if (action === "resolve") return { routing_key: routingKey, event_action: "resolve", dedup_key: m.dedupeKey };
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: m.dedupeKey,
    payload: {
      // PagerDuty truncates summaries at 1024 characters.
      summary: m.summary.slice(0, 1024),
      severity: SEVERITY[m.severity],
      source: "tollgate",
      component: m.tenantId ?? "platform",
      class: m.kind,
      timestamp: m.occurredAt,
      custom_details: Object.fromEntries(m.facts.map((f) => [f.label, f.value])),
    },
    ...(link ? { links: [{ href: link, text: "Open in Tollgate" }] } : {}),
    client: "Tollgate",
    ...(link ? { client_url: link } : {}),
  };
}

export function sendPagerduty(config: PagerdutyConfig, secret: { routingKey: string }, m: AlertMessage, action: "trigger" | "resolve", opts: SendOptions): Promise<SendResult> {
  return postJson(config.eventsUrl, JSON.stringify(pagerdutyBody(secret.routingKey, m, action)), {}, opts);
}
