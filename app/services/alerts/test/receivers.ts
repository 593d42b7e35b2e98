// Real local receivers for delivery tests (never mocks of the senders): an HTTP server that
// records every POST (and checks the webhook HMAC with the shared secret), and an SMTP server.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  json: any;
  /** Webhook HMAC check with the receiver's secret: true/false, or null when no secret is set. */
  signatureValid: boolean | null;
}

export function verifySignature(secret: string, timestamp: string, raw: string, header: string): boolean {
  const expected = Buffer.from("v1=" + createHmac("sha256", secret).update(`${timestamp}.${raw}`).digest("hex"));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * `respond(n)` decides the answer to the n-th request (1-based): [status, body, headers?].
 * `host` "::" listens on every address (IPv4 and IPv6), so refusal tests can aim at
 * 127.0.0.1, ::1, 0.0.0.0, ::ffff:127.0.0.1 and localhost on one port and count what arrived.
 */
export async function startHttpReceiver(opts: { signingSecret?: string; respond?: (n: number) => [number, string, Record<string, string>?]; host?: string } = {}) {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const ts = String(req.headers["x-tollgate-timestamp"] ?? "");
      const sig = String(req.headers["x-tollgate-signature"] ?? "");
      const signatureValid = opts.signingSecret ? verifySignature(opts.signingSecret, ts, raw, sig) : null;
      requests.push({ path: req.url ?? "/", headers: req.headers, raw, json, signatureValid });
      const [status, body, headers] = opts.respond?.(requests.length) ?? [200, "ok"];
      res.writeHead(status, { "Content-Type": "text/plain", ...headers }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, opts.host ?? "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return { url, port, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  auth: string | null;
  raw: string;
  subject: string;
  text: string;
  html: string;
}

/** Minimal MIME reading for our own messages: headers, multipart/alternative, quoted-printable/base64. */
function parseMail(raw: string) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\r\n\r\n");
  const headers = head.replace(/\r?\n[ \t]+/g, " ");
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(headers)?.[1] ?? "";
  const decodeWords = (s: string) =>
    s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : qp(text.replace(/_/g, " ")),
    );
  const boundary = /boundary="?([^";]+)"?/i.exec(header("Content-Type"))?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`Content-Type: ${header("Content-Type")}\r\nContent-Transfer-Encoding: ${header("Content-Transfer-Encoding")}\r\n\r\n${body}`];
  const part = (type: string) => {
    const p = parts.find((x) => new RegExp(`Content-Type:\\s*${type}`, "i").test(x));
    if (!p) return "";
    const [ph, ...pb] = p.replace(/^\r?\n/, "").split(/\r?\n\r?\n/);
    const content = pb.join("\r\n\r\n").replace(/\r?\n$/, "");
    if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(ph)) return qp(content);
    if (/Content-Transfer-Encoding:\s*base64/i.test(ph)) return Buffer.from(content, "base64").toString("utf8");
    return content;
  };
  return { subject: decodeWords(header("Subject")).trim(), text: part("text/plain").replace(/\r\n/g, "\n"), html: part("text/html").replace(/\r\n/g, "\n") };
}

function qp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h) => `%${h}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
}

export async function startSmtpReceiver(opts: { user?: string; password?: string } = {}) {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: opts.user ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    allowInsecureAuth: true,
    authOptional: !opts.user,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) return cb(null, { user: auth.username });
      cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          auth: (session.user as string | undefined) ?? null,
          raw,
          ...parseMail(raw),
        });
        cb(null, "Message queued as test-1");
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * A receiver that accepts connections and never says a word (no HTTP answer, no SMTP greeting):
 * the fault an overall send deadline exists for. `connections` proves a send reached it.
 */
export async function startSilentReceiver() {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    // Read and drop what arrives: a paused socket would never see the sender's FIN ('end').
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    /** Sockets still open: the sender must have closed its side when the deadline passed. */
    open: () => sockets.size,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
