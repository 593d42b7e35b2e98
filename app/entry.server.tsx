// Server rendering. Bots get the whole document at once (onAllReady), browsers a stream
// (onShellReady). Every document also carries headers that keep the control panel from being
// framed (clickjacking on the sign-in and admin forms) or leaking URLs in Referer.
import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { logger } from "~/services/logger.server.ts";

// The server (scripts/serve.ts) starts the app's in-process background work through the build,
// so it runs on the same module instances (one pool, one core) as the routes.
export { startBackgroundWork, startOwnWork } from "~/services/background.server.ts";
// Every server process LISTENs for key/tenant changes (ADR 0010), whatever background work it runs.
export { startCacheListener } from "~/services/api/cache-listener.server.ts";

// Single fetch: pending deferred data is rejected after streamTimeout; the render itself is
// aborted a second later so the rejection can still be streamed to the browser.
export const streamTimeout = 5_000;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  _loadContext: AppLoadContext,
) {
  responseHeaders.set("X-Frame-Options", "DENY");
  responseHeaders.set("Content-Security-Policy", "frame-ancestors 'none'");
  responseHeaders.set("Referrer-Policy", "same-origin");
  responseHeaders.set("X-Content-Type-Options", "nosniff");
  const readyEvent = isbot(request.headers.get("user-agent") ?? "") ? "onAllReady" : "onShellReady";

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} />,
      {
        [readyEvent]() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(
            new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }),
          );
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors inside the shell surface through onShellError; log the rest once here.
          if (shellRendered) logger("render").error({ err: error }, "render failed");
        },
      },
    );
    setTimeout(abort, streamTimeout + 1_000);
  });
}
