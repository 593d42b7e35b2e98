// Where a channel sends, as the forms see it: the save-time outbound check (the same policy the
// senders apply again at every send, since DNS can change) and the masked destination shown in
// the panel. Webhook and Slack URLs are bearer secrets: the browser only ever gets their host.
import { TollgateError } from "~/core/index.ts";
import type { ChannelType } from "~/schemas/alerts.ts";
import { httpTarget, OutboundRefused, resolveDestination, type ChannelReach } from "./outbound.server.ts";

type Target = { path: string; url: string } | { path: string; portPath: string; host: string; port: number };

/** The channel's outbound targets, each with the form field to blame. */
function targetsOf(type: ChannelType, config: Record<string, unknown>, secret: Record<string, unknown>): Target[] {
  switch (type) {
    case "slack":
      return [{ path: "webhookUrl", url: String(secret.webhookUrl ?? "") }];
    case "webhook":
      return [{ path: "url", url: String(secret.url ?? "") }];
    case "pagerduty":
      return [{ path: "eventsUrl", url: String(config.eventsUrl ?? "") }];
    case "email":
      return [{ path: "smtpHost", portPath: "smtpPort", host: String(config.smtpHost ?? ""), port: Number(config.smtpPort) }];
  }
}

/**
 * Refuses (invalid_request, issues keyed by form field) a channel whose destination the
 * outbound policy would refuse. Messages say what was refused, never what is listening.
 */
export async function assertDestinationsAllowed(type: ChannelType, config: Record<string, unknown>, secret: Record<string, unknown>, reach: ChannelReach): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  for (const t of targetsOf(type, config, secret)) {
    try {
      if ("url" in t) {
        const { hostname, port } = httpTarget(t.url);
        await resolveDestination(hostname, port, "http", reach);
      } else {
        await resolveDestination(t.host, t.port, "smtp", reach);
      }
    } catch (e) {
      if (!(e instanceof OutboundRefused)) throw e;
      issues.push({ path: "portPath" in t && e.code === "port_not_allowed" ? t.portPath : t.path, message: e.message });
    }
  }
  if (issues.length) throw new TollgateError("invalid_request", "The channel's destination is not allowed.", issues);
}

/** "https://hooks.example.com/…": enough to recognise a URL, not enough to use it. */
export function maskUrl(url: unknown): string | null {
  if (typeof url !== "string" || !url) return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(invalid URL)";
  }
}

/** What the channel list and page show as the destination. */
export function destinationLabel(type: ChannelType, config: Record<string, unknown>, secret: Record<string, unknown>): string {
  if (type === "webhook") return maskUrl(secret.url ?? config.url) ?? "—";
  if (type === "slack") return maskUrl(secret.webhookUrl) ?? "Slack incoming webhook";
  if (type === "pagerduty") return String(config.eventsUrl ?? "PagerDuty");
  return Array.isArray(config.to) ? config.to.join(", ") : "—";
}
