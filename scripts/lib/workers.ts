// WEB_CONCURRENCY: several server processes on one port (node:cluster), so the HTTP path uses
// every core — one Node process saturated one core while PostgreSQL idled (issue #18). The
// primary only supervises: it forks the workers, replaces one that dies (with the same index,
// so the one that runs the shared background work comes back) and stops them on shutdown.
// Worker 1 runs the shared background work (sweeper, alert worker, analysis); every worker
// replays its own fail-open spool.
import cluster, { type Worker } from "node:cluster";
import { collectFromWorkers } from "./metrics-server.ts";
import path from "node:path";
import { ROOT } from "./postgres.ts";
export { serverProcesses } from "./server-processes.ts";

export interface WorkerGroup {
  url: string;
  /** The live server processes' pids (bench:http reads their CPU). */
  pids(): number[];
  close(): Promise<void>;
  /** Every server process's Prometheus text (METRICS_PORT, scripts/lib/metrics-server.ts). */
  metrics(): ReturnType<typeof collectFromWorkers>;
}

export async function serveWorkers(opts: {
  count: number;
  port: number;
  host: string;
  log: (m: string) => void;
  /** false: no background work in any process (bench:http measures the request path only). */
  background?: boolean;
  /** Extra node flags for the workers (bench:http's --cpu-prof). */
  execArgv?: string[];
}): Promise<WorkerGroup> {
  // The workers load TypeScript with tsx's loader only, not the flags of the tsx CLI that
  // started this process: its preflight talks to its parent over IPC, which in a worker is the
  // cluster channel, and it made the primary die of SIGTERM instead of shutting down cleanly.
  // The telemetry preload too, so each server process instruments pg and http before loading them.
  cluster.setupPrimary({
    exec: path.join(ROOT, "scripts/lib/serve-worker.ts"),
    execArgv: ["--import", "tsx", "--import", path.join(ROOT, "scripts/otel-preload.ts"), ...(opts.execArgv ?? [])],
    args: [],
  });
  let stopping = false;
  const byIndex = new Map<number, Worker>();

  const fork = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = cluster.fork({
        TOLLGATE_WORKER_INDEX: String(index),
        TOLLGATE_WORKER_COUNT: String(opts.count),
        TOLLGATE_WORKER_PORT: String(opts.port),
        TOLLGATE_WORKER_HOST: opts.host,
        TOLLGATE_WORKER_BACKGROUND: opts.background === false ? "none" : "",
      });
      byIndex.set(index, worker);
      let listening = false;
      worker.once("listening", () => {
        listening = true;
        resolve();
      });
      worker.once("exit", (code, signal) => {
        if (byIndex.get(index) === worker) byIndex.delete(index);
        if (!listening) return reject(new Error(`server process ${index} exited with ${signal ?? code} before it listened`));
        if (stopping) return;
        opts.log(`server process ${index} (pid ${worker.process.pid}) exited with ${signal ?? code}; starting a new one`);
        fork(index).catch((e) => opts.log(`could not restart server process ${index}: ${(e as Error).message}`));
      });
    });

  await Promise.all(Array.from({ length: opts.count }, (_, i) => fork(i + 1)));
  const shownHost = opts.host === "0.0.0.0" ? "localhost" : opts.host;
  return {
    url: `http://${shownHost}:${opts.port}`,
    pids: () => [...byIndex.values()].map((w) => w.process.pid!),
    metrics: () => collectFromWorkers(byIndex),
    async close() {
      stopping = true;
      await Promise.all(
        [...byIndex.values()].map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once("exit", () => resolve());
              w.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
