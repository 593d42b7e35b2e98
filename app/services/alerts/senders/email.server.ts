// Email over SMTP with nodemailer: subject = severity + summary, text and html bodies. The SMTP
// host goes through the outbound policy like every HTTP receiver: nodemailer is handed the
// checked IP (so it resolves nothing itself) with the hostname kept for TLS (SNI and
// certificate check), and one AbortSignal bounds the whole exchange — nodemailer's own
// timeouts are per step, so a server that answers every step slowly could otherwise hold a send
// for minutes.
import nodemailer from "nodemailer";
import { isIP } from "node:net";
import type { EmailConfig } from "~/schemas/alerts.ts";
import { html, plainText, type AlertMessage } from "../message.server.ts";
import { OutboundRefused, resolveDestination } from "../outbound.server.ts";
import { DETAIL_CHARS, failure, OUTCOME, refusedResult, SEND_DEADLINE_MS, type SendOptions, type SendResult } from "./http.server.ts";

export function emailSubject(m: AlertMessage): string {
  const prefix = m.kind === "test" ? "[Tollgate test]" : `[Tollgate ${m.severity}]`;
  return `${prefix} ${m.summary}`.slice(0, 250);
}

export async function sendEmail(config: EmailConfig, secret: { password?: string }, m: AlertMessage, opts: SendOptions): Promise<SendResult> {
  const deadlineMs = opts.deadlineMs ?? SEND_DEADLINE_MS;
  const signal = AbortSignal.timeout(deadlineMs);
  let dest;
  try {
    dest = await resolveDestination(config.smtpHost, config.smtpPort, "smtp", opts.reach);
  } catch (e) {
    if (e instanceof OutboundRefused) return refusedResult(e);
    throw e;
  }
  const servername = isIP(dest.hostname) ? undefined : dest.hostname;
  const transport = nodemailer.createTransport({
    host: dest.address,
    port: dest.port,
    secure: config.secure,
    ...(servername ? { servername, tls: { servername } } : {}),
    // The EHLO name and the certificate check use the name the operator typed, not the IP.
    auth: config.username ? { user: config.username, pass: secret.password ?? "" } : undefined,
    // Per-step limits past the overall deadline: the deadline is what ends a slow send.
    connectionTimeout: deadlineMs + 1000,
    greetingTimeout: deadlineMs + 1000,
    socketTimeout: deadlineMs + 1000,
  });
  try {
    const info = await transport.sendMail({ from: config.from, to: config.to, subject: emailSubject(m), text: plainText(m), html: html(m), signal });
    const ok = info.accepted.length > 0 && info.rejected.length === 0;
    const status = Number(/^\d{3}/.exec(info.response ?? "")?.[0] ?? 250);
    return { ok, status, outcome: ok ? OUTCOME.delivered : OUTCOME.rejected("SMTP", status), detail: (info.response ?? "accepted").slice(0, DETAIL_CHARS) };
  } catch (e) {
    if (signal.aborted) return failure(signal.reason);
    const err = e as Error & { responseCode?: number; response?: string };
    // A code means the server answered (and refused); none means the exchange itself failed.
    if (err.responseCode) return { ok: false, status: err.responseCode, outcome: OUTCOME.rejected("SMTP", err.responseCode), detail: (err.response ?? err.message).slice(0, DETAIL_CHARS) };
    return failure(e);
  } finally {
    transport.close();
  }
}
