// The Node ↔ Remix glue, with backpressure. @remix-run/express (2.17) writes every chunk of a
// streamed body without waiting for the socket to drain, so a slow client downloading a big CSV
// export made the server pull the whole export into memory (the stream's pull-based batches
// were asked for as fast as the database could answer). Here the body is piped: the next chunk
// is pulled only when the socket has room, and a client that goes away cancels the stream.
// Plain node:http types, so the same two functions serve express (the panel) and the lean
// router of resource routes (lean-routes.ts).
import {
  createReadableStreamFromReadable,
  createRequestHandler as createRemixHandler,
  type AppLoadContext,
  type ServerBuild,
} from "@remix-run/node";
import type { Request as ExpressRequest } from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { GuardedRequest } from "./panel-guard.ts";
import { jsonTextOf } from "../../app/services/api/json-text.ts";

export type LoadContextFor = (req: IncomingMessage) => AppLoadContext;

export function remixHandler(opts: { build: ServerBuild; mode: string; getLoadContext?: LoadContextFor }) {
  const handle = createRemixHandler(opts.build, opts.mode);
  return async (req: IncomingMessage, res: ServerResponse, next: (e: unknown) => void) => {
    try {
      const response = await handle(fetchRequest(req, res), opts.getLoadContext?.(req));
      await sendResponse(res, response);
    } catch (error) {
      next(error);
    }
  };
}

/**
 * The origin the client addressed. Through express (the panel), its req.protocol and
 * req.hostname honour TRUST_PROXY, so behind a TLS-terminating proxy the URL is https and the
 * session cookie gets `Secure`; the Host header keeps the port (req.hostname drops it). On the
 * lean path (plain node:http) the connection and the Host header decide.
 */
function origin(req: IncomingMessage): string {
  const ex = req as Partial<ExpressRequest>;
  if (ex.protocol && ex.hostname && ex.get) {
    const port = ex.get("X-Forwarded-Host")?.split(":")[1] ?? ex.get("host")?.split(":")[1];
    return `${ex.protocol}://${ex.hostname}${port ? `:${port}` : ""}`;
  }
  return `${(req.socket as TLSSocket).encrypted ? "https" : "http"}://${req.headers.host ?? "localhost"}`;
}

/**
 * The Fetch Request for a Node request; aborted when the client leaves before the response is
 * sent. (@remix-run/express has the same function, createRemixRequest, but neither types nor
 * exports it in a way an ES module can import by name.)
 */
export function fetchRequest(req: IncomingMessage, res: ServerResponse): Request {
  const url = new URL(req.url ?? "/", origin(req));
  const headers = new Headers();
  const originVerified = (req as GuardedRequest).originVerified === true;
  for (const [key, values] of Object.entries(req.headers)) {
    if (originVerified && key === "origin") continue;
    for (const value of Array.isArray(values) ? values : values ? [values] : []) headers.append(key, value);
  }
  let controller: AbortController | null = new AbortController();
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    // Panel requests arrive already read and size-checked by panel-guard.ts; API requests are
    // streamed (their routes enforce their own limit).
    const buffered = (req as GuardedRequest).bufferedBody;
    init.body = buffered ? new Uint8Array(buffered) : createReadableStreamFromReadable(req);
    if (!buffered) init.duplex = "half";
  }
  return new Request(url.href, init);
}

/** Status, headers, then the body at the pace the client reads it. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [key, value] of response.headers.entries()) res.appendHeader(key, value);
  // Event streams: headers now, so the client sees the stream open before the first event.
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  // JSON was serialised into one string when the Response was made: send it in one write
  // (piping a one-chunk web stream through a Node stream costs more than the answer itself on
  // the API's small responses). Everything else — CSV exports, event streams, documents — is
  // piped at the pace the client reads.
  const text = jsonTextOf(response);
  if (text !== undefined) {
    if (!res.hasHeader("Content-Length")) res.setHeader("Content-Length", Buffer.byteLength(text));
    res.end(text);
    return;
  }
  if (/^application\/(?:[\w.+-]*\+)?json\b/i.test(response.headers.get("Content-Type") ?? "")) {
    const body = Buffer.from(await response.arrayBuffer());
    if (!res.hasHeader("Content-Length")) res.setHeader("Content-Length", body.length);
    res.end(body);
    return;
  }
  try {
    await pipeline(Readable.fromWeb(response.body as NodeWebStream<Uint8Array>), res);
  } catch (error) {
    // The client hung up mid-body: pipeline has already cancelled the source stream; there is
    // nobody left to answer.
    if ((error as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE" || res.destroyed) return;
    throw error;
  }
}
