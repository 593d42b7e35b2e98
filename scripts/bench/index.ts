// `npm run bench`: the workloads of shared/BENCH.md against a real PostgreSQL, tollgate and its
// peers side by side (same run, same database, same concurrency, same pool size), then a table,
// the targets, and one JSON line. Exit 1 when a tollgate correctness check failed.
import { randomBytes } from "node:crypto";
import os from "node:os";
import type pg from "pg";
import { reconcileFailures } from "./checks.ts";
import { contendedCell, contendedProcessesCell, processesCell, timedCell, type CellContext } from "./cells.ts";
import { serverCpuProbe } from "./cpu.ts";
import { benchPool, fillPool, openBenchDatabase } from "./database.ts";
import { captureHotPath, explainLock, lockStatementText, type HotPathCapture } from "./explain.ts";
import { createFixture, loadTargets } from "./fixture.ts";
import { runCli } from "./cli.ts";
import { HELP, parseOptions, type BenchOptions, type PeerName } from "./options.ts";
import { createPeer, type Peer } from "./peers.ts";
import { Progress } from "./progress.ts";
import { addChecks, ratios, type ResultRow } from "./results.ts";
import { hotPathSection, jsonLine, resultsTable, targets as benchTargets, targetsTable } from "./report.ts";

function countCells(o: BenchOptions) {
  return o.workloads.length * (o.concurrency.length + (o.processes ? 1 : 0)) * o.peers.length;
}

async function run(o: BenchOptions): Promise<number> {
  const startedAt = Date.now();
  // Other work on the machine takes cores from both Node and PostgreSQL: say how busy it was.
  const loadBefore = os.loadavg()[0];
  const progress = new Progress(countCells(o));
  const db = await openBenchDatabase({ databaseUrl: process.env.DATABASE_URL, keep: o.keepDatabase, progress: (m) => progress.note(m) });
  const pools: pg.Pool[] = [];
  // Ctrl-C must not leave an embedded server (or a bench database) behind.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      progress.note(`${signal}: stopping`);
      void db.close().finally(() => process.exit(130));
    });
  }
  try {
    const admin = benchPool(db.url, 4, "tollgate-bench-admin");
    pools.push(admin);
    const server = await db.describe();
    progress.note(`${server}; creating 1,000 tenants × 10 users with quotas`);
    await createFixture(admin, new Date());
    const targets = await loadTargets(admin);
    const runId = randomBytes(4).toString("hex");
    const ctx: CellContext = {
      url: db.url, admin, targets, runId, durationS: o.duration, warmupS: o.warmup, poolSize: o.poolSize,
      serverCpu: await serverCpuProbe(admin),
      groupCommit: o.groupCommit,
      inFlight: o.inFlight,
      leases: o.leases,
    };

    // Every peer gets its own pool of the same size, opened before measuring.
    const peers = new Map<PeerName, Peer>();
    for (const name of o.peers) {
      const pool = benchPool(db.url, o.poolSize);
      pools.push(pool);
      await fillPool(pool, o.poolSize);
      peers.set(name, await createPeer(name, pool, { tableCreated: false, groupCommit: o.groupCommit, inFlight: o.inFlight, leases: o.leases }));
    }

    let capture: HotPathCapture | undefined;
    const plans: { label: string; plan: string }[] = [];
    if (o.explain && o.peers.includes("tollgate")) capture = await captureHotPath(db.url, targets.hot, `${runId}-capture`, o.groupCommit);
    const maxC = Math.max(...o.concurrency);
    const explainLocks = async (when: string) => {
      for (const { step, query } of capture?.locks ?? []) plans.push({ label: `the lock of ${step}, ${when}`, plan: await explainLock(db.url, query) });
    };

    const rows: ResultRow[] = [];
    const label = (w: string, p: string, c: string) => `${w} · ${p} · ${c}`;
    for (const workload of o.workloads) {
      const first = rows.length;
      if (workload === "contended-limit") {
        for (const c of o.concurrency) {
          for (const peer of peers.values()) {
            let round = 0;
            progress.rounds(label(workload, peer.name, `c=${c}`), o.rounds, () => round);
            rows.push(await contendedCell(ctx, peer, c, o.rounds, (r) => (round = r)));
            progress.done();
          }
        }
        if (o.processes) {
          const shape = o.processes;
          for (const peer of peers.values()) {
            let round = 0;
            progress.rounds(label(workload, peer.name, `${shape.count} processes × ${shape.perProcess}`), o.rounds, () => round);
            rows.push(await contendedProcessesCell(ctx, peer, shape, o.rounds, (r) => (round = r)));
            progress.done();
          }
        }
      } else {
        for (const c of o.concurrency) {
          for (const peer of peers.values()) {
            // Halfway through the hot tollgate cell at the highest concurrency, EXPLAIN the lock
            // statement from outside the pool: its time then includes waiting for the row locks.
            const midway =
              capture && workload === "hot" && peer.name === "tollgate" && c === maxC
                ? () => explainLocks(`during \`hot\` c=${c}, waiting in line for the row locks`)
                : undefined;
            progress.timed(label(workload, peer.name, `c=${c}`), o.warmup + o.duration);
            rows.push(await timedCell(ctx, peer, workload, c, midway));
            progress.done();
          }
        }
        if (o.processes) {
          const shape = o.processes;
          for (const peer of o.peers) {
            // Child processes start in a second or two; the timer starts once they are all ready.
            progress.timed(label(workload, peer, `${shape.count} processes × ${shape.perProcess}`), o.warmup + o.duration + 2);
            rows.push(await processesCell(ctx, peer, workload, shape));
            progress.done();
          }
        }
      }
      if (peers.has("tollgate")) {
        progress.note(`reconciling after ${workload}`);
        const failures = await reconcileFailures(admin);
        for (const r of rows.slice(first)) addChecks(r, failures);
      }
    }
    await explainLocks("after the run (idle; the hot rows were updated many times)");

    const rs = ratios(rows);
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    const load = `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after (${os.cpus().length} cores)`;
    const out: string[] = [
      `# npm run bench — ${server}; pool ${o.poolSize} connections per process; tollgate${o.groupCommit ? ` (group commit, ${o.inFlight} batch${o.inFlight > 1 ? "es" : ""} in flight)` : " (one transaction per decision)"}${o.leases.length ? ` leasing ${o.leases.join("+")} rows` : " without leases"}; ${o.duration} s cells after ${o.warmup} s warm-up; ${seconds} s in all; ${load}`,
      "",
      resultsTable(rows),
      "",
      targetsTable(benchTargets(rows, rs)),
    ];
    if (capture) {
      const lock = capture.locks.at(-1)?.query;
      out.push("", hotPathSection(capture, lock ? lockStatementText(lock) : null, plans));
    }
    const failed = rows.filter((r) => r.checksOk === false);
    for (const r of failed) out.push("", `✘ ${r.name} ${r.peer} c=${r.concurrency} ×${r.processes}: ${r.checkFailures?.join("; ")}`);
    out.push(jsonLine(rows, rs, { meta: { server, tollgate: { groupCommit: o.groupCommit, inFlight: o.inFlight, leases: o.leases }, poolSize: o.poolSize, duration: o.duration, warmup: o.warmup, rounds: o.rounds, totalSeconds: seconds, load } }));
    process.stdout.write(out.join("\n") + "\n");
    return failed.length ? 1 : 0;
  } finally {
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
    await db.close();
  }
}

runCli({ name: "bench", help: HELP, parse: parseOptions, run });
