// `npm run bench:http`: the HTTP API against its floor and its ceiling, in one run. The real
// server (production build, scripts/serve.ts) on a fresh database with the bench fixture, a
// bare node:http server answering fixed JSON (what this machine and Node can do at all), and
// the in-process core doing the same reserve→settle pairs (what the HTTP path should approach).
// Table and targets for people, one JSON line last. Exit 1 when a correctness check failed.
import { randomBytes } from "node:crypto";
import os from "node:os";
import type pg from "pg";
import { apiKeyPrefix, generateApiKey, hashApiKey } from "../../../app/services/api-keys.server.ts";
import { ensureBuild } from "../../lib/build.ts";
import { GROUP_COMMIT_DEFAULTS } from "../../../app/core/index.ts";
import { freePort } from "../../lib/postgres.ts";
import { timedCell, type CellContext } from "../cells.ts";
import { reconcileFailures } from "../checks.ts";
import { serverCpuProbe } from "../cpu.ts";
import { benchPool, fillPool, openBenchDatabase } from "../database.ts";
import { createFixture, loadTargets } from "../fixture.ts";
import { runCli } from "../cli.ts";
import { createPeer } from "../peers.ts";
import { Progress } from "../progress.ts";
import { driveCell, type HttpRow } from "./drive.ts";
import { HTTP_HELP, parseHttpOptions, type HttpBenchOptions } from "./options.ts";
import { httpJsonLine, httpRatios, httpTable, httpTargets } from "./report.ts";
import { cellRequests } from "./requests.ts";
import { startChildServer, type ChildServer } from "./servers.ts";

/** The app server's pool is 12 connections per pool (services/tollgate.server.ts); the core ceiling gets the same. */
const CORE_POOL = 12;

async function run(o: HttpBenchOptions): Promise<number> {
  const startedAt = Date.now();
  const loadBefore = os.loadavg()[0];
  const references = o.references ? 2 * o.concurrency.length : 0;
  const progress = new Progress(o.cells.length * o.concurrency.length + references);
  const db = await openBenchDatabase({ databaseUrl: process.env.DATABASE_URL, keep: false, progress: (m) => progress.note(m) });
  const pools: pg.Pool[] = [];
  const servers: ChildServer[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      progress.note(`${signal}: stopping`);
      void Promise.all(servers.map((s) => s.stop())).finally(() => db.close().finally(() => process.exit(130)));
    });
  }
  try {
    const admin = benchPool(db.url, 4, "tollgate-bench-admin");
    pools.push(admin);
    const server = await db.describe();
    progress.note(`${server}; creating 1,000 tenants × 10 users with quotas`);
    const today = new Date();
    await createFixture(admin, today);
    const targets = await loadTargets(admin);
    const apiKey = generateApiKey();
    await admin.query(`INSERT INTO api_keys (name, prefix, hash) VALUES ('bench:http', $1, $2)`, [apiKeyPrefix(apiKey), hashApiKey(apiKey)]);
    await ensureBuild((m) => progress.note(m));

    progress.note(`starting the app server (${o.processes} process${o.processes > 1 ? "es" : ""}) and the bare node:http server`);
    const app = await startChildServer("app", await freePort(), {
      DATABASE_URL: db.url,
      NODE_ENV: "production",
      SECRETS_KEY: "bench-http-only-secrets-key",
      ANALYSIS_INTERVAL_HOURS: "0",
    }, { cpuProfDir: o.cpuProfDir, processes: o.processes });
    servers.push(app);
    const bare = o.references ? await startChildServer("bare", await freePort(), {}) : undefined;
    if (bare) servers.push(bare);
    const pgCpu = await serverCpuProbe(admin);
    const runId = randomBytes(4).toString("hex");
    const rows: HttpRow[] = [];

    if (bare) {
      for (const c of o.concurrency) {
        progress.timed(`health · bare node:http · c=${c}`, o.warmup + o.duration);
        rows.push(await driveCell({ cell: "health", target: "bare", url: bare.url, serverPids: bare.pids, concurrency: c, durationS: o.duration, warmupS: o.warmup, ...cellRequests("health", targets, "", "", today), pgCpu: null }));
        progress.done();
      }
      const pool = benchPool(db.url, CORE_POOL);
      pools.push(pool);
      await fillPool(pool, CORE_POOL);
      const core = await createPeer("tollgate", pool, { tableCreated: false, groupCommit: true, inFlight: GROUP_COMMIT_DEFAULTS.inFlight, leases: ["platform"] });
      const ctx: CellContext = { url: db.url, admin, targets, runId, durationS: o.duration, warmupS: o.warmup, poolSize: CORE_POOL, serverCpu: pgCpu, groupCommit: true, inFlight: GROUP_COMMIT_DEFAULTS.inFlight, leases: ["platform"] };
      for (const c of o.concurrency) {
        progress.timed(`pairs · in-process core · c=${c}`, o.warmup + o.duration);
        const r = await timedCell(ctx, core, "spread", c);
        rows.push({
          cell: "pairs", target: "core", concurrency: c, requests: r.ops * 2, seconds: r.seconds, requestsPerSec: Math.round(r.opsPerSec * 2),
          opsPerSec: Math.round(r.opsPerSec), p50Ms: r.p50Ms, p99Ms: r.p99Ms, non2xx: r.denied, statuses: r.denied ? { denied: r.denied } : {},
          errors: r.errors, serverCpuMsPerRequest: null, serverCpuPct: r.nodeCpuPct, pgCpuPct: r.pgCpuPct,
        });
        progress.done();
      }
    }

    for (const cell of o.cells) {
      for (const c of o.concurrency) {
        progress.timed(`${cell} · tollgate server · c=${c}`, o.warmup + o.duration);
        const reqs = cellRequests(cell, targets, `${runId}-${cell}-c${c}`, apiKey, today);
        rows.push(await driveCell({ cell, target: "app", url: app.url, serverPids: app.pids, concurrency: c, durationS: o.duration, warmupS: o.warmup, ...reqs, pgCpu }));
        progress.done();
      }
    }

    progress.note("reconciling the ledger");
    const failures = await reconcileFailures(admin);
    const maxC = Math.max(...o.concurrency);
    const rs = httpRatios(rows, maxC);
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    const load = `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after (${os.cpus().length} cores)`;
    const out = [
      `# npm run bench:http — ${o.processes} server process${o.processes > 1 ? "es" : ""}; ${server}; autocannon over loopback; ${o.duration} s cells after ${o.warmup} s warm-up; ${seconds} s in all; ${load}`,
      "",
      httpTable(rows),
      "",
      httpTargets(rows, rs, maxC),
    ];
    if (failures.length) out.push("", `✘ reconcile: ${failures.join("; ")}`);
    out.push(httpJsonLine(rows, rs, { server, processes: o.processes, duration: o.duration, warmup: o.warmup, totalSeconds: seconds, load, reconcileClean: failures.length === 0 }));
    process.stdout.write(out.join("\n") + "\n");
    return failures.length ? 1 : 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
    await db.close();
  }
}

runCli({ name: "bench:http", help: HTTP_HELP, parse: parseHttpOptions, run });
