// Backpressure and hang-ups for streamed responses (CSV exports, SSE), through a real socket.
import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendResponse } from "./remix-handler.ts";

const CHUNK = 64 * 1024;
const CHUNKS = 2_000; // 125 MiB if it were all pulled at once

function countingBody() {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled === CHUNKS) return controller.close();
        state.pulled++;
        controller.enqueue(new Uint8Array(CHUNK).fill(65));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { state, body };
}

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serveOnce(body: ReadableStream<Uint8Array>): Promise<number> {
  const app = express();
  app.get("/export", (_req, res, next) => {
    sendResponse(res, new Response(body, { headers: { "Content-Type": "text/csv; charset=utf-8" } })).catch(next);
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server!.once("listening", r));
  return (server.address() as AddressInfo).port;
}

/** Resolves once `read()` has returned the same value for `quietMs`. */
async function settled(read: () => number, quietMs = 300): Promise<number> {
  let last = -1;
  for (;;) {
    const now = read();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

describe("sendResponse", () => {
  it("pulls the next chunk only when the client reads: a paused client holds the server at a few socket buffers", async () => {
    const { state, body } = countingBody();
    const port = await serveOnce(body);
    let contentType: string | undefined;
    let pulledWhilePaused = 0;
    const received = await new Promise<number>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/export" }, (res) => {
        contentType = res.headers["content-type"];
        res.pause(); // a slow downloader
        settled(() => state.pulled).then((pulled) => {
          pulledWhilePaused = pulled;
          let bytes = 0;
          res.on("data", (c: Buffer) => (bytes += c.length));
          res.on("end", () => resolve(bytes));
          res.resume();
        }, reject);
      }).on("error", reject);
    });
    expect(contentType).toBe("text/csv; charset=utf-8");
    // Kernel and stream buffers hold a few MiB at most; the old adapter pulled all 2,000 chunks.
    expect(pulledWhilePaused).toBeGreaterThan(0);
    expect(pulledWhilePaused).toBeLessThan(200);
    expect(received).toBe(CHUNK * CHUNKS);
    expect(state.pulled).toBe(CHUNKS);
    expect(state.cancelled).toBe(false);
  });

  it("cancels the body when the client hangs up mid-download", async () => {
    const { state, body } = countingBody();
    const port = await serveOnce(body);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/export" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      setTimeout(() => reject(new Error("no data")), 5_000);
    });
    await settled(() => (state.cancelled ? 1 : 0) + state.pulled);
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(CHUNKS);
  });
});
