// One bench:http cell: autocannon over loopback against a child server, after an unmeasured
// warm-up, with the server's CPU (and PostgreSQL's, when local) read over the measured window.
import autocannon from "autocannon";
import { cpuPct, pidCpuMs } from "../cpu.ts";

export interface HttpRow {
  cell: string;
  target: "app" | "bare" | "core";
  concurrency: number;
  requests: number;
  seconds: number;
  requestsPerSec: number;
  /** Operations per second (pairs: reserve+settle pairs). */
  opsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  non2xx: number;
  /** Status code → count, for every response that was not 2xx. */
  statuses: Record<string, number>;
  errors: number;
  /** CPU of the serving process(es) per request, in milliseconds. */
  serverCpuMsPerRequest: number | null;
  serverCpuPct: number | null;
  pgCpuPct: number | null;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** The serving processes' CPU so far; null when one is gone (a worker replaced mid-run). */
function serversCpuMs(pids: number[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const ms = pidCpuMs(pid);
    if (ms === null) return null;
    sum += ms;
  }
  return sum;
}

export async function driveCell(opts: {
  cell: string;
  target: "app" | "bare";
  url: string;
  serverPids: number[];
  concurrency: number;
  durationS: number;
  warmupS: number;
  requests: autocannon.Request[];
  perOperation: number;
  pgCpu: (() => number) | null;
}): Promise<HttpRow> {
  const base: autocannon.Options = { url: opts.url, connections: opts.concurrency, requests: opts.requests, timeout: 30 };
  // Every connection completes a sequence first, however long a cold first request takes (key
  // lookup, prepared statements, JIT): a short cell would otherwise count a cold start as zero.
  await run({ ...base, amount: opts.concurrency * opts.requests.length });
  if (opts.warmupS > 0) await run({ ...base, duration: opts.warmupS });
  const cpu0 = serversCpuMs(opts.serverPids);
  const pg0 = opts.pgCpu?.() ?? null;
  const t0 = performance.now();
  const result = await run({ ...base, duration: opts.durationS });
  const wallMs = performance.now() - t0;
  const cpu1 = serversCpuMs(opts.serverPids);
  const pg1 = opts.pgCpu?.() ?? null;
  const total = result.requests.total;
  const seconds = result.duration;
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith("2")) statuses[code] = Number(count);
  }
  const serverCpuMs = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  return {
    cell: opts.cell,
    target: opts.target,
    concurrency: opts.concurrency,
    requests: total,
    seconds: r2(seconds),
    requestsPerSec: seconds > 0 ? Math.round(total / seconds) : 0,
    opsPerSec: seconds > 0 ? Math.round(total / opts.perOperation / seconds) : 0,
    p50Ms: total ? result.latency.p50 : null,
    p99Ms: total ? result.latency.p99 : null,
    non2xx: result.non2xx,
    statuses,
    errors: result.errors,
    serverCpuMsPerRequest: serverCpuMs === null || total === 0 ? null : Math.round((serverCpuMs / total) * 1000) / 1000,
    serverCpuPct: cpuPct(serverCpuMs, wallMs),
    pgCpuPct: pg0 === null || pg1 === null ? null : cpuPct(pg1 - pg0, wallMs),
  };
}
