// Email over SMTP with nodemailer: subject = severity + summary, text and html bodies.
import nodemailer from "nodemailer";
import type { EmailConfig } from "~/schemas/alerts.ts";
import { html, plainText, type AlertMessage } from "../message.server.ts";
import { SEND_TIMEOUT_MS, type SendResult } from "./http.server.ts";

export function emailSubject(m: AlertMessage): string {
  const prefix = m.kind === "test" ? "[Tollgate test]" : `[Tollgate ${m.severity}]`;
  return `${prefix} ${m.summary}`.slice(0, 250);
}

export async function sendEmail(config: EmailConfig, secret: { password?: string }, m: AlertMessage): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: config.smtpHost,
    port: config.smtpPort,
    secure: config.secure,
    auth: config.username ? { user: config.username, pass: secret.password ?? "" } : undefined,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({ from: config.from, to: config.to, subject: emailSubject(m), text: plainText(m), html: html(m) });
    const ok = info.accepted.length > 0 && info.rejected.length === 0;
    return { ok, status: Number(/^\d{3}/.exec(info.response ?? "")?.[0] ?? 250), response: info.response ?? "accepted" };
  } catch (e) {
    const err = e as Error & { responseCode?: number; response?: string };
    return { ok: false, status: err.responseCode ?? null, response: err.response ?? err.message };
  } finally {
    transport.close();
  }
}
