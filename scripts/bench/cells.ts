// Running the cells of the three workloads for one peer, in one process or several, with
// tollgate's checks around them.
import type pg from "pg";
import { money, toJson, type Money } from "../../app/core/index.ts";
import { ledgerFailures, overLimitUsd, platformUsage } from "./checks.ts";
import { cpuPct } from "./cpu.ts";
import { workersGone } from "./database.ts";
import type { Target, Targets } from "./fixture.ts";
import { addCounts, merge, runBurst, runTimed, type Samples } from "./measure.ts";
import type { LeaseScope, PeerName } from "./options.ts";
import { CONTENDED_LIMIT_USD, CONTENDED_USD, OP_USD, type Peer } from "./peers.ts";
import { runProcesses, startContendedProcesses, timedOperation, type TimedWorkload, type WorkerSpec } from "./processes.ts";
import { addChecks, summarise, type ResultRow } from "./results.ts";

export const CONTENDED_ATTEMPTS = 500;

export interface CellContext {
  url: string;
  /** Pool for fixtures and checks (never the measured one). */
  admin: pg.Pool;
  targets: Targets;
  runId: string;
  durationS: number;
  warmupS: number;
  poolSize: number;
  /** CPU milliseconds the database server has used so far, when it is a local process. */
  serverCpu: (() => number) | null;
  groupCommit: boolean;
  inFlight: number;
  leases: LeaseScope[];
}

/** The server's CPU over a stretch of wall time, in percent of one core (null: not measurable). */
async function withServerCpu<T>(ctx: CellContext, run: (restart: () => void) => Promise<T>): Promise<{ result: T; pgCpuPct: number | null }> {
  let cpu0 = ctx.serverCpu?.() ?? null;
  let t0 = performance.now();
  // Child processes take a few seconds to start: the window opens at their go signal.
  const restart = () => {
    cpu0 = ctx.serverCpu?.() ?? null;
    t0 = performance.now();
  };
  const result = await run(restart);
  const cpu1 = ctx.serverCpu?.() ?? null;
  return { result, pgCpuPct: cpu0 === null || cpu1 === null ? null : cpuPct(cpu1 - cpu0, performance.now() - t0) };
}

/** Runs a timed cell; for tollgate, checks the platform row moved by exactly the settled amount. */
async function observedCell(ctx: CellContext, peer: PeerName, run: (restart: () => void) => Promise<Samples & { seconds: number }>) {
  const before = peer === "tollgate" ? await platformUsage(ctx.admin) : undefined;
  const { result: samples, pgCpuPct } = await withServerCpu(ctx, run);
  const failures: string[] = [];
  let overspend = money(0);
  if (before) {
    const after = await platformUsage(ctx.admin);
    if (samples.errors === 0) failures.push(...ledgerFailures(before, after, samples.allowed + samples.warmupAllowed, OP_USD));
    overspend = await overLimitUsd(ctx.admin);
    if (!overspend.isZero()) failures.push(`quota rows over their hard limit by $${overspend.toFixed()}`);
  }
  return { samples, overspend, failures, pgCpuPct };
}

export async function timedCell(
  ctx: CellContext,
  peer: Peer,
  workload: TimedWorkload,
  concurrency: number,
  midway?: () => Promise<void>,
): Promise<ResultRow> {
  const keyPrefix = `${ctx.runId}-${workload}-c${concurrency}`;
  const observed = await observedCell(ctx, peer.name, async () => {
    const leasesBefore = peer.leaseStats?.();
    const s = await runTimed({
      concurrency,
      durationS: ctx.durationS,
      warmupS: ctx.warmupS,
      op: timedOperation(peer, workload, ctx.targets, keyPrefix),
      midway,
    });
    if (leasesBefore) s.leases = addCounts(peer.leaseStats!(), leasesBefore, -1);
    return merge([s]);
  });
  return timedRow({ name: workload, peer: peer.name, concurrency, processes: 1 }, observed);
}

export async function processesCell(
  ctx: CellContext,
  peer: PeerName,
  workload: TimedWorkload,
  shape: { count: number; perProcess: number },
): Promise<ResultRow> {
  const specs: WorkerSpec[] = Array.from({ length: shape.count }, (_, i) => ({
    url: ctx.url,
    workload,
    peer,
    concurrency: shape.perProcess,
    durationS: ctx.durationS,
    warmupS: ctx.warmupS,
    poolSize: ctx.poolSize,
    keyPrefix: `${ctx.runId}-${workload}-p${i}of${shape.count}x${shape.perProcess}`,
    groupCommit: ctx.groupCommit,
    inFlight: ctx.inFlight,
    leases: ctx.leases,
  }));
  const observed = await observedCell(ctx, peer, async (restart) => {
    const parts = await runProcesses(specs, restart);
    await workersGone(ctx.admin); // their backends' CPU counts once the server has reaped them
    return merge(parts);
  });
  return timedRow({ name: workload, peer, concurrency: shape.count * shape.perProcess, processes: shape.count }, observed);
}

/** The result row of a timed cell (in one process or several). */
function timedRow(meta: Parameters<typeof summarise>[0], { samples, overspend, failures, pgCpuPct }: Awaited<ReturnType<typeof observedCell>>): ResultRow {
  const row = summarise(meta, samples, overspend, pgCpuPct);
  row.falseDenials = samples.denied; // hot and spread limits are never reached: every denial is false
  addChecks(row, failures);
  return row;
}

/** One contended-limit round: every attempt at `budget`, drawn from in-process workers or child processes. */
type ContendedBurst = (budget: Target, round: number) => Promise<Samples>;

/**
 * contended-limit: `rounds` times, a fresh $10 budget and 500 attempts to hold $0.10 from
 * `concurrency` workers. Overspend = Σ max(0, allowed × $0.10 − $10); for stores that keep a
 * total, that total must also equal allowed × $0.10.
 */
export function contendedCell(ctx: CellContext, peer: Peer, concurrency: number, rounds: number, onRound: (round: number) => void): Promise<ResultRow> {
  const burst: ContendedBurst = (budget, round) =>
    runBurst({ concurrency, attempts: CONTENDED_ATTEMPTS, op: (i) => peer.hold(budget, `${ctx.runId}-${peer.name}-c${concurrency}-r${round}-${i}`) });
  return playContended(ctx, peer, { concurrency, processes: 1 }, rounds, onRound, burst);
}

/**
 * contended-limit across P OS processes × W workers: every round's budget is made here, each
 * child makes its share of the 500 attempts on it at one go signal (processes.ts), and the
 * cell is judged like the in-process one: the serial answer, exactly, in every round.
 */
export async function contendedProcessesCell(
  ctx: CellContext,
  peer: Peer,
  shape: { count: number; perProcess: number },
  rounds: number,
  onRound: (round: number) => void,
): Promise<ResultRow> {
  const specs: WorkerSpec[] = Array.from({ length: shape.count }, (_, i) => ({
    url: ctx.url,
    workload: "contended-limit",
    peer: peer.name,
    concurrency: shape.perProcess,
    durationS: 0,
    warmupS: 0,
    poolSize: ctx.poolSize,
    keyPrefix: `${ctx.runId}-contended-p${i}of${shape.count}x${shape.perProcess}`,
    groupCommit: ctx.groupCommit,
    inFlight: ctx.inFlight,
    leases: ctx.leases,
  }));
  const children = await startContendedProcesses(specs, CONTENDED_ATTEMPTS);
  try {
    return await playContended(ctx, peer, { concurrency: shape.count * shape.perProcess, processes: shape.count }, rounds, onRound, async (budget, round) =>
      // Side by side within a round (one wall time); rounds add up one after another.
      merge(await children.round(budget, round)),
    );
  } finally {
    await children.stop();
  }
}

async function playContended(
  ctx: CellContext,
  peer: Peer,
  shape: { concurrency: number; processes: number },
  rounds: number,
  onRound: (round: number) => void,
  burst: ContendedBurst,
): Promise<ResultRow> {
  const limit = money(CONTENDED_LIMIT_USD);
  const parts: Samples[] = [];
  const failures: string[] = [];
  let overspend = money(0);
  const finals: Money[] = [];
  // A serial system allows exactly limit ÷ price per round: fewer is a false denial.
  const serial = Math.min(limit.div(CONTENDED_USD).floor().toNumber(), CONTENDED_ATTEMPTS);
  let falseDenials = 0;
  let exactRounds = 0;
  const playRounds = async () => {
    for (let round = 0; round < rounds; round++) {
      onRound(round);
      const budget = await peer.newBudget(`${ctx.runId}-${peer.name}-c${shape.concurrency}x${shape.processes}-r${round}`);
      const s = await burst(budget, round);
      parts.push(s);
      falseDenials += Math.max(0, serial - s.allowed);
      if (s.allowed === serial) exactRounds++;
      else if (peer.name === "tollgate") failures.push(`round ${round}: allowed ${s.allowed}, a serial system ${serial}`);
      const granted = money(CONTENDED_USD).mul(s.allowed);
      if (granted.gt(limit)) overspend = overspend.add(granted.sub(limit));
      const used = await peer.usedUsd(budget);
      if (used) {
        finals.push(used);
        if (!used.eq(granted)) failures.push(`round ${round}: budget ends at $${used.toFixed()}, allowed × $0.10 = $${granted.toFixed()}`);
      }
    }
  };
  const { pgCpuPct } = await withServerCpu(ctx, playRounds);
  const row = summarise({ name: "contended-limit", peer: peer.name, ...shape }, merge(parts, true), overspend, pgCpuPct);
  row.rounds = rounds;
  row.serialAllowed = serial;
  row.exactRounds = exactRounds;
  row.falseDenials = falseDenials;
  row.maxFinalUsd = finals.length ? toJson(finals.reduce((a, b) => (a.gt(b) ? a : b))) : null;
  if (peer.name === "tollgate") {
    if (!overspend.isZero()) failures.push(`overspent $${overspend.toFixed()} across ${rounds} rounds`);
    const over = await overLimitUsd(ctx.admin);
    if (!over.isZero()) failures.push(`quota rows over their hard limit by $${over.toFixed()}`);
  }
  addChecks(row, failures);
  return row;
}
