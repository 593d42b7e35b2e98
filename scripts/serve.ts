// The HTTP server: express serving the Remix build, static assets, and the app's
// in-process background jobs. Used by `npm start` (scripts/start.ts) and by tests that need
// real app instances (several may share one database).
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import http, { type Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getConfig, isLoopbackHost } from "../app/services/config.server.ts";
import { assertNoDemoCredentials } from "./lib/demo-credentials.ts";
import { panelGuard } from "./lib/panel-guard.ts";
import { ROOT } from "./lib/postgres.ts";
import { leanRouter } from "./lib/lean-routes.ts";
import { remixHandler, type LoadContextFor } from "./lib/remix-handler.ts";
import { beginRequest } from "./lib/request-log.ts";
import { annotateRequest, logger, withRequestContext } from "../app/services/logger.server.ts";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function serve(opts: {
  port: number;
  host: string;
  buildPath?: string;
  /**
   * Background work in this process: true (default) = all of it (sweeper, alert worker,
   * analysis, fail-open replay); "own" = only this process's own spool replay, for the other
   * processes of a WEB_CONCURRENCY group; false = none.
   */
  background?: boolean | "own";
}): Promise<RunningServer> {
  const config = getConfig();
  // Before anything listens: published demo credentials must not be reachable from elsewhere.
  if (!isLoopbackHost(opts.host)) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    await assertNoDemoCredentials(opts.host, url);
  }
  const buildPath = opts.buildPath ?? path.join(ROOT, "build/index.js");
  const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
  // The client address for login throttling: express's req.ip (the peer, or with TRUST_PROXY the
  // address the trusted proxies report); requests on the lean path, which no route throttles by
  // address, carry the peer's.
  const getLoadContext: LoadContextFor = (req) => ({ clientIp: (req as express.Request).ip ?? req.socket.remoteAddress ?? "unknown" });
  // Machine traffic (/api/v1, health checks) skips express and Remix's document pipeline.
  const lean = leanRouter(build, { getLoadContext });
  const app = express();
  app.disable("x-powered-by");
  // TRUST_PROXY: whether X-Forwarded-For/-Proto/-Host are believed (req.ip, req.protocol). Off
  // by default, so a client cannot pick its own address for login throttling.
  app.set("trust proxy", config.TRUST_PROXY);
  // Fingerprinted assets can be cached forever; everything else in public/ for an hour.
  // (The route label of the request log: "static" until a file was not found, then "panel".)
  app.use((_req, _res, next) => (annotateRequest({ route: "static" }), next()));
  app.use("/build", express.static(path.join(ROOT, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(ROOT, "public"), { maxAge: "1h" }));
  app.use((_req, _res, next) => (annotateRequest({ route: "panel" }), next()));
  // Same-origin check and body limits for everything but /api (scripts/lib/panel-guard.ts).
  app.use(panelGuard({ extraOrigins: config.PUBLIC_URL ? [config.PUBLIC_URL] : [] }));
  app.all(
    "*",
    remixHandler({
      build,
      mode: process.env.NODE_ENV ?? "production",
      getLoadContext,
    }),
  );

  const server: Server = http.createServer((req, res) => {
    const ctx = beginRequest(req, res);
    withRequestContext(ctx, () =>
      lean(req, res).then(
        (handled) => {
          if (!handled) app(req, res);
        },
        (error) => {
          // The route modules answer their own errors; this is a bug in one of them. No stack
          // or message reaches the client; the log has both, under the request's id.
          logger("http").error({ err: error, reqId: ctx.reqId }, "request failed");
        if (res.headersSent) return void res.destroy();
          res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "internal", message: "Internal error." }));
        },
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const entry = build.entry.module as {
    startBackgroundWork?: () => () => void;
    startOwnWork?: () => () => void;
    startCacheListener?: () => () => Promise<void>;
  };
  // The API's key/tenant cache serves from memory only while this process LISTENs (ADR 0010).
  const stopListener = entry.startCacheListener?.();
  const background = opts.background ?? true;
  const stopBackground = background === "own" ? entry.startOwnWork?.() : background ? entry.startBackgroundWork?.() : undefined;
  const shownHost = opts.host === "0.0.0.0" ? "localhost" : opts.host;
  return {
    url: `http://${shownHost}:${opts.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopBackground?.();
        void stopListener?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
