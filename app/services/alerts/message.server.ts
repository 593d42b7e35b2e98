// What every channel says about one alert: the payload plus an absolute link. Senders only
// choose the format (Slack blocks, email text/html, PagerDuty fields, webhook JSON).
import type { AlertPayload } from "~/schemas/alerts.ts";
import { getConfig } from "../config.server.ts";

/** A payload as senders see it; `kind: "test"` marks a "send test" message. */
export type AlertMessage = Omit<AlertPayload, "kind"> & { kind: AlertPayload["kind"] | "test" };

export const KIND_TITLE: Record<AlertMessage["kind"], string> = {
  quota_threshold: "Quota threshold crossed",
  quota_exceeded: "Quota exceeded",
  anomaly: "Spend anomaly",
  forecast_breach: "Forecast: quota will be exceeded",
  test: "Test alert",
};

export function publicUrl(): string {
  const c = getConfig();
  return (c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/+$/, "");
}

/** The panel link made absolute (already-absolute links are kept). */
export function absoluteLink(link: string | null): string | null {
  if (!link) return null;
  return /^https?:\/\//.test(link) ? link : publicUrl() + (link.startsWith("/") ? link : `/${link}`);
}

export function plainText(m: AlertMessage): string {
  const link = absoluteLink(m.link);
  return [
    `[${m.severity.toUpperCase()}] ${m.summary}`,
    "",
    ...m.facts.map((f) => `${f.label}: ${f.value}`),
    ...(link ? ["", `Open in Tollgate: ${link}`] : []),
    "",
    `${KIND_TITLE[m.kind]} · ${m.occurredAt} · ${m.dedupeKey}`,
  ].join("\n");
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function html(m: AlertMessage): string {
  const link = absoluteLink(m.link);
  const rows = m.facts
    .map((f) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join("");
  return [
    `<p><strong>${escapeHtml(m.summary)}</strong></p>`,
    `<table>${rows}</table>`,
    link ? `<p><a href="${escapeHtml(link)}">Open in Tollgate</a></p>` : "",
    `<p style="color:#666">${escapeHtml(KIND_TITLE[m.kind])} · ${escapeHtml(m.severity)} · ${escapeHtml(m.occurredAt)}</p>`,
  ].join("\n");
}
