// Real app instances for HTTP tests: each is a separate OS process (tsx + scripts/serve.ts
// serving build/), so tests exercise what production runs, and several instances can share
// one database (the multi-instance guarantee is about processes, not promises).
// Needs an up-to-date `remix build` (npm test builds before vitest runs).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { freePort, ROOT } from "../../scripts/lib/postgres.ts";

export interface AppInstance {
  url: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

// Generous: on a loaded 2-core machine compiling and loading the build alone took over 30 s.
const START_TIMEOUT_MS = 90_000;

export async function startAppInstance(opts: {
  databaseUrl: string;
  env?: Record<string, string>;
  /** Interface to listen on (default 127.0.0.1); requests always go to 127.0.0.1. */
  host?: string;
}): Promise<AppInstance> {
  if (!existsSync(path.join(ROOT, "build/index.js"))) throw new Error("build/index.js is missing: run `remix build` first");
  const port = await freePort();
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["app/test/serve-instance.ts", String(port), ...(opts.host ? [opts.host] : [])], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      // The instance's own settings only: the parent test's DATABASE_URL must not leak in.
      DATABASE_URL: opts.databaseUrl,
      PORT: String(port),
      SEED_DEMO: "false",
      // The scheduled analysis would write forecasts (and alerts) mid-test; tests run it explicitly.
      ANALYSIS_INTERVAL_HOURS: "0",
      // Production with DATABASE_URL requires it (config.server.ts); a test may set its own.
      SECRETS_KEY: "app-instance-test-secrets-key",
      ...opts.env,
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`app instance exited with ${exitCode} before it was healthy:\n${out}`);
    try {
      // Healthy, and either its cache listener is up or its database is down (then it never
      // will be): a key looked up before LISTEN connects is not kept, so a test that verifies a
      // key and then stops the database would race the listener (an outage.test flake in CI).
      const r = await fetch(`${url}/readyz`);
      const body = (await r.json().catch(() => ({}))) as { cacheListener?: string };
      if (r.status === 503 || (r.ok && body.cacheListener === "listening")) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`app instance not healthy after ${START_TIMEOUT_MS} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    output: () => out,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
