// Driving one cell: N async workers issuing operations back to back, each operation timed on
// its own (wall time from start to answer, pool waits included: that is what a caller sees).
import { processCpuMs } from "./cpu.ts";
import type { OpOutcome } from "./peers.ts";

/** Raw result of one cell in one process; processes' samples are merged before summarising. */
export interface Samples {
  ops: number;
  allowed: number;
  denied: number;
  errors: number;
  firstError?: string;
  /** Allowed operations of the warm-up (they change the ledger too; the checks need them). */
  warmupAllowed: number;
  latencies: number[];
  reserveLatencies: number[];
  /** Epoch milliseconds (performance.timeOrigin-based, so comparable across processes). */
  startedAt: number;
  endedAt: number;
  /** CPU this process used over the whole cell (warm-up included), and that wall time. */
  cpuMs: number;
  cpuWallMs: number;
  /** tollgate's budget-lease events during the cell (ADR 0009), summed over processes. */
  leases?: Record<string, number>;
}

function emptySamples(): Samples {
  return { ops: 0, allowed: 0, denied: 0, errors: 0, warmupAllowed: 0, latencies: [], reserveLatencies: [], startedAt: 0, endedAt: 0, cpuMs: 0, cpuWallMs: 0 };
}

const epochMs = () => performance.timeOrigin + performance.now();
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Runs `op` from `concurrency` workers for warmup + duration seconds. Only operations that
 * start after the warm-up are measured; the cell ends when the last one started in time returns.
 */
export async function runTimed(opts: {
  concurrency: number;
  durationS: number;
  warmupS: number;
  op: (worker: number, n: number) => Promise<OpOutcome>;
  /** Called once, halfway through the measured window (e.g. to EXPLAIN under load). */
  midway?: () => Promise<void>;
}): Promise<Samples> {
  const s = emptySamples();
  const t0 = epochMs();
  const cpu0 = processCpuMs();
  const measureFrom = t0 + opts.warmupS * 1000;
  const until = measureFrom + opts.durationS * 1000;
  s.startedAt = measureFrom;
  let midwayDone: Promise<void> = Promise.resolve();
  const midwayTimer = opts.midway
    ? setTimeout(() => (midwayDone = opts.midway!()), measureFrom - t0 + (opts.durationS * 1000) / 2)
    : undefined;

  async function worker(w: number) {
    for (let n = 0; ; n++) {
      const started = epochMs();
      if (started >= until) return;
      const measured = started >= measureFrom;
      try {
        const r = await opts.op(w, n);
        const ms = epochMs() - started;
        if (!measured) {
          if (r.allowed) s.warmupAllowed++;
          continue;
        }
        s.ops++;
        if (r.allowed) s.allowed++;
        else s.denied++;
        s.latencies.push(round3(ms));
        if (r.reserveMs !== undefined) s.reserveLatencies.push(round3(r.reserveMs));
      } catch (e) {
        s.errors++;
        s.firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        // A failing database would otherwise spin this loop at full speed.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  clearTimeout(midwayTimer);
  await midwayDone;
  s.endedAt = epochMs();
  s.cpuMs = processCpuMs() - cpu0;
  s.cpuWallMs = s.endedAt - t0;
  return s;
}

/**
 * One contended-limit round: `attempts` operations drawn by `concurrency` workers, all against
 * one budget. Returns the samples of the round (every attempt measured; no warm-up).
 */
export async function runBurst(opts: { concurrency: number; attempts: number; op: (i: number) => Promise<boolean> }): Promise<Samples> {
  const s = emptySamples();
  s.startedAt = epochMs();
  const cpu0 = processCpuMs();
  let next = 0;
  async function worker() {
    while (next < opts.attempts) {
      const i = next++;
      const started = epochMs();
      try {
        const ok = await opts.op(i);
        s.latencies.push(round3(epochMs() - started));
        s.ops++;
        if (ok) s.allowed++;
        else s.denied++;
      } catch (e) {
        s.errors++;
        s.firstError ??= e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  s.endedAt = epochMs();
  s.cpuMs = processCpuMs() - cpu0;
  s.cpuWallMs = s.endedAt - s.startedAt;
  return s;
}

/** Merges samples of processes (or rounds). `sequential`: wall time is the sum, not the span. */
export function merge(parts: Samples[], sequential = false): Samples & { seconds: number } {
  const out = emptySamples();
  out.startedAt = Infinity;
  out.endedAt = -Infinity;
  let busy = 0;
  for (const p of parts) {
    out.ops += p.ops;
    out.allowed += p.allowed;
    out.denied += p.denied;
    out.errors += p.errors;
    out.warmupAllowed += p.warmupAllowed;
    out.firstError ??= p.firstError;
    for (const x of p.latencies) out.latencies.push(x);
    for (const x of p.reserveLatencies) out.reserveLatencies.push(x);
    out.startedAt = Math.min(out.startedAt, p.startedAt);
    out.endedAt = Math.max(out.endedAt, p.endedAt);
    busy += p.endedAt - p.startedAt;
    out.cpuMs += p.cpuMs;
    // processes run side by side (their CPU adds up over one wall time); rounds one after another
    out.cpuWallMs = sequential ? out.cpuWallMs + p.cpuWallMs : Math.max(out.cpuWallMs, p.cpuWallMs);
    if (p.leases) out.leases = addCounts(out.leases ?? {}, p.leases);
  }
  const ms = sequential ? busy : out.endedAt - out.startedAt;
  return { ...out, seconds: Math.max(ms, 0) / 1000 };
}

/** Counters added key by key (b - a with sign -1). */
export function addCounts(a: Record<string, number>, b: Record<string, number>, sign = 1): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + sign * n;
  return out;
}

/** Nearest-rank percentile (p in 0..100) of sorted samples; null when there are none. */
export function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function sortedCopy(xs: number[]): Float64Array {
  return Float64Array.from(xs).sort();
}
