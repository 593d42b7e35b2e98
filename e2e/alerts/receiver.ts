// A real HTTP receiver on 127.0.0.1 (port 0) for alert deliveries: records every request with its
// raw body and headers, answers 200 with a recognisable text, and checks webhook signatures.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

export async function startReceiver(answer = "ok from the e2e receiver") {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, rawBody: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "text/plain" }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** X-Tollgate-Signature = v1=hex(HMAC-SHA256(secret, `${X-Tollgate-Timestamp}.${rawBody}`)). */
export function signatureValid(r: Received, secret: string): boolean {
  const timestamp = String(r.headers["x-tollgate-timestamp"] ?? "");
  const given = String(r.headers["x-tollgate-signature"] ?? "");
  const expected = "v1=" + createHmac("sha256", secret).update(`${timestamp}.${r.rawBody}`).digest("hex");
  return /^\d+$/.test(timestamp) && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
