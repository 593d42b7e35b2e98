// The HTTP server: express serving the Remix build, static assets, and the app's
// in-process background jobs. Used by `npm start` (scripts/start.ts) and by tests that need
// real app instances (several may share one database).
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getConfig, isLoopbackHost } from "../app/services/config.server.ts";
import { assertNoDemoCredentials } from "./lib/demo-credentials.ts";
import { panelGuard } from "./lib/panel-guard.ts";
import { ROOT } from "./lib/postgres.ts";
import { remixHandler } from "./lib/remix-handler.ts";

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function serve(opts: {
  port: number;
  host: string;
  buildPath?: string;
  /** Run the expiry sweeper (and fail-open replay) in this process. Default true. */
  background?: boolean;
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
  const app = express();
  app.disable("x-powered-by");
  // TRUST_PROXY: whether X-Forwarded-For/-Proto/-Host are believed (req.ip, req.protocol). Off
  // by default, so a client cannot pick its own address for login throttling.
  app.set("trust proxy", config.TRUST_PROXY);
  // Fingerprinted assets can be cached forever; everything else in public/ for an hour.
  app.use("/build", express.static(path.join(ROOT, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(ROOT, "public"), { maxAge: "1h" }));
  // Same-origin check and body limits for everything but /api (scripts/lib/panel-guard.ts).
  app.use(panelGuard({ extraOrigins: config.PUBLIC_URL ? [config.PUBLIC_URL] : [] }));
  app.all(
    "*",
    remixHandler({
      build,
      mode: process.env.NODE_ENV ?? "production",
      // The client address for login throttling: the peer, or with TRUST_PROXY the address the
      // trusted proxies report (express's req.ip).
      getLoadContext: (req) => ({ clientIp: req.ip ?? req.socket.remoteAddress ?? "unknown" }),
    }),
  );

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.on("error", reject);
  });
  const entry = build.entry.module as { startBackgroundWork?: () => () => void };
  const stopBackground = opts.background === false ? undefined : entry.startBackgroundWork?.();
  const shownHost = opts.host === "0.0.0.0" ? "localhost" : opts.host;
  return {
    url: `http://${shownHost}:${opts.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopBackground?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
