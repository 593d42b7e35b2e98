// The HTTP server: express serving the Remix build, static assets, and the app's
// in-process background jobs. Used by `npm start` (scripts/start.ts) and by tests that need
// real app instances (several may share one database).
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
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
  const buildPath = opts.buildPath ?? path.join(ROOT, "build/index.js");
  const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  // Fingerprinted assets can be cached forever; everything else in public/ for an hour.
  app.use("/build", express.static(path.join(ROOT, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(ROOT, "public"), { maxAge: "1h" }));
  app.all(
    "*",
    remixHandler({
      build,
      mode: process.env.NODE_ENV ?? "production",
      // The peer address (we do not sit behind a trusted proxy by default), for login throttling.
      getLoadContext: (req) => ({ clientIp: req.socket.remoteAddress ?? "unknown" }),
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
