// One HTTP POST through the outbound policy (outbound.server.ts): checked and pinned address,
// standard ports, no redirects, one overall deadline for connect + TLS + request + answer.
// node:http rather than fetch: fetch cannot pin the address it connects to (its DNS lookup
// would happen after our check, leaving a rebinding window) and its timeout signal does not
// cover a receiver that accepts and then never answers once headers are in.
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { httpTarget, OutboundRefused, pinnedLookup, REFUSAL_OUTCOME, resolveDestination, type ChannelReach } from "../outbound.server.ts";

export interface SendResult {
  ok: boolean;
  status: number | null;
  /**
   * What every viewer may see: "delivered", "rejected by receiver (HTTP 500)", "not sent:
   * address not allowed", "could not connect", "timed out", "redirect not followed". Never the
   * receiver's words, never an error text that tells an open port from a closed one.
   */
  outcome: string;
  /** Staff only: status and up to DETAIL_CHARS of the answer, or the error text (secrets redacted by the caller). */
  detail: string;
}

export const SEND_DEADLINE_MS = 10_000;
export const DETAIL_CHARS = 200;
/** How much of an answer is read at all (a receiver streaming forever must not hold the send). */
const MAX_READ_BYTES = 4096;

export const OUTCOME = {
  delivered: "delivered",
  timedOut: "timed out",
  connectFailed: "could not connect",
  redirect: "redirect not followed",
  rejected: (protocol: "HTTP" | "SMTP", status: number) => `rejected by receiver (${protocol} ${status})`,
} as const;

export interface SendOptions {
  reach: ChannelReach;
  /** Overall deadline; tests shorten it to meet a silent receiver quickly. */
  deadlineMs?: number;
}

class DeadlineExceeded extends Error {
  constructor() {
    super("deadline exceeded");
    this.name = "DeadlineExceeded";
  }
}

export function refusedResult(e: OutboundRefused): SendResult {
  return { ok: false, status: null, outcome: REFUSAL_OUTCOME[e.code], detail: `refused: ${e.detail}` };
}

export async function postJson(url: string, body: string, headers: Record<string, string>, opts: SendOptions): Promise<SendResult> {
  const deadlineMs = opts.deadlineMs ?? SEND_DEADLINE_MS;
  const started = Date.now();
  let target: ReturnType<typeof httpTarget>;
  let dest: Awaited<ReturnType<typeof resolveDestination>>;
  try {
    // Checked again at every send, not only when the channel was saved: DNS can change.
    target = httpTarget(url);
    dest = await resolveDestination(target.hostname, target.port, "http", opts.reach);
  } catch (e) {
    if (e instanceof OutboundRefused) return refusedResult(e);
    throw e;
  }
  const { url: u } = target;
  const secure = u.protocol === "https:";
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = (secure ? https : http).request({
      method: "POST",
      host: dest.hostname,
      port: dest.port,
      path: `${u.pathname}${u.search}`,
      headers: { "Content-Type": "application/json", "User-Agent": "Tollgate-Alerts/1", ...headers, "Content-Length": String(Buffer.byteLength(body)) },
      lookup: pinnedLookup(dest) as never,
      // IP literals skip lookup and must not be sent as SNI; names keep SNI = the hostname.
      ...(secure && !isIP(dest.hostname) ? { servername: dest.hostname } : {}),
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new DeadlineExceeded()), Math.max(1, deadlineMs - (Date.now() - started)));
    req.on("error", (e) => finish(failure(e)));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        const where = String(res.headers.location ?? "").slice(0, DETAIL_CHARS);
        return finish({ ok: false, status, outcome: OUTCOME.redirect, detail: `${status} redirect to ${where || "(no location)"} not followed` });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).toString("utf8").trim().slice(0, DETAIL_CHARS);
        const ok = status >= 200 && status < 300;
        finish({ ok, status, outcome: ok ? OUTCOME.delivered : OUTCOME.rejected("HTTP", status), detail: `${status} ${text}`.trim() });
      };
      res.on("data", (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= MAX_READ_BYTES) done();
      });
      res.on("end", done);
      // An answer cut off after its status line still tells the outcome.
      res.on("error", done);
    });
    req.end(body);
  });
}

/** A failed exchange as outcome (generic) and detail (the error text, for staff). */
export function failure(e: unknown): SendResult {
  const err = e as NodeJS.ErrnoException;
  // Ours (HTTP), AbortSignal.timeout's (SMTP), or nodemailer's per-step ETIMEDOUT.
  if (err instanceof DeadlineExceeded || err?.name === "TimeoutError" || err?.code === "ETIMEDOUT") {
    return { ok: false, status: null, outcome: OUTCOME.timedOut, detail: `timed out (no complete answer within the deadline)` };
  }
  return { ok: false, status: null, outcome: OUTCOME.connectFailed, detail: (err?.message ?? String(e)).slice(0, DETAIL_CHARS) };
}
