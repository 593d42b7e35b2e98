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
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";

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
 * The Fetch Request for a Node request; aborted when the client leaves before the response is
 * sent. (@remix-run/express has the same function, createRemixRequest, but neither types nor
 * exports it in a way an ES module can import by name.) The origin is the Host header's: the
 * server does not trust forwarding headers for it.
 */
export function fetchRequest(req: IncomingMessage, res: ServerResponse): Request {
  const protocol = (req.socket as TLSSocket).encrypted ? "https" : "http";
  const url = new URL(req.url ?? "/", `${protocol}://${req.headers.host ?? "localhost"}`);
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    for (const value of Array.isArray(values) ? values : values ? [values] : []) headers.append(key, value);
  }
  let controller: AbortController | null = new AbortController();
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = createReadableStreamFromReadable(req);
    init.duplex = "half";
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
  try {
    await pipeline(Readable.fromWeb(response.body as NodeWebStream<Uint8Array>), res);
  } catch (error) {
    // The client hung up mid-body: pipeline has already cancelled the source stream; there is
    // nobody left to answer.
    if ((error as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE" || res.destroyed) return;
    throw error;
  }
}
