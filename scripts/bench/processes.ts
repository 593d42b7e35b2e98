// The multi-process cells: P child processes (worker.ts) started together by a go signal on
// stdin, their samples merged (ops over the wall time from the first start to the last end).
// hot/spread: one go, one result per child at its exit. contended-limit: one line per round
// (the round's budget) to every child, one line of samples back from each.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../lib/postgres.ts";
import { newUserTarget, randomTarget, type Targets } from "./fixture.ts";
import type { Samples } from "./measure.ts";
import type { LeaseScope, PeerName } from "./options.ts";
import type { OpOutcome, Peer } from "./peers.ts";
import type { Target } from "./fixture.ts";

export type TimedWorkload = "hot" | "spread" | "spread-users";

export interface WorkerSpec {
  url: string;
  workload: TimedWorkload | "contended-limit";
  peer: PeerName;
  concurrency: number;
  durationS: number;
  warmupS: number;
  poolSize: number;
  keyPrefix: string;
  groupCommit: boolean;
  inFlight: number;
  leases: LeaseScope[];
}

/**
 * hot: always tenant t0 / user u0; spread: a random tenant and user per operation; spread-users:
 * a random tenant and, 9 times in 10, an end user never seen before (their first request).
 */
export function timedOperation(peer: Peer, workload: TimedWorkload, targets: Targets, keyPrefix: string) {
  return (w: number, n: number): Promise<OpOutcome> => {
    const key = `${keyPrefix}-${w}-${n}`;
    const target = workload === "hot" ? targets.hot : workload === "spread" ? randomTarget(targets) : newUserTarget(targets, key);
    return peer.spend(target, key);
  };
}

interface Child {
  ready: Promise<void>;
  result: Promise<Samples>;
  go(): void;
  kill(): void;
}

function spawnChild(spec: WorkerSpec): Child {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/bench/worker.ts", JSON.stringify(spec)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let markReady!: () => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.on("data", (d) => {
    out += d;
    if (out.startsWith("ready\n")) markReady();
  });
  const result = new Promise<Samples>((resolve, reject) => {
    child.on("exit", (code) => {
      const last = out.trim().split("\n").filter((l) => l !== "ready").pop();
      const failure = new Error(`bench worker exited with ${code}: ${err.trim() || out.trim()}`);
      failReady(failure); // no-op once ready
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(failure);
    });
  });
  result.catch(() => {}); // surfaced through ready or awaited later
  return { ready, result, go: () => child.stdin!.write("go\n"), kill: () => child.kill() };
}

export async function runProcesses(specs: WorkerSpec[], onGo: () => void = () => {}): Promise<Samples[]> {
  const children = specs.map(spawnChild);
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (e) {
    for (const c of children) c.kill();
    throw e;
  }
  onGo();
  for (const c of children) c.go();
  return Promise.all(children.map((c) => c.result));
}

/** What the parent sends a contended-limit child for each round (one JSON line on stdin). */
export interface ContendedRound {
  budget: Target;
  round: number;
  /** This child's share of the round's attempts. */
  attempts: number;
}

/** Each child's share of `total` attempts: as even as can be, the first ones one more. */
export function shares(total: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.floor(total / count) + (i < total % count ? 1 : 0));
}

/**
 * Starts the contended-limit children (each with its own pool and peer) and waits until all are
 * ready. `round` sends every child the round's budget at once and resolves with each child's
 * samples; `stop` ends them (a child that fails a round fails the cell).
 */
export async function startContendedProcesses(specs: WorkerSpec[], attempts: number) {
  const share = shares(attempts, specs.length);
  const children = specs.map((spec) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/bench/worker.ts", JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    let buffered = "";
    const lines: string[] = [];
    const waiting: ((line: string) => void)[] = [];
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const failure = () => new Error(`bench worker exited with ${child.exitCode}: ${err.trim() || buffered.trim()}`);
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const next = waiting.shift();
        if (next) next(line);
        else lines.push(line);
      }
    });
    const nextLine = () =>
      new Promise<string>((resolve, reject) => {
        const queued = lines.shift();
        if (queued !== undefined) return resolve(queued);
        waiting.push(resolve);
        void exited.then(() => reject(failure()));
      });
    return { child, exited, nextLine };
  });
  const all = <T>(f: (c: (typeof children)[number], i: number) => Promise<T>) => Promise.all(children.map(f));
  const stop = async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.stdin!.end("end\n");
    await all((c) => c.exited);
  };
  try {
    const ready = await all((c) => c.nextLine());
    if (ready.some((l) => l !== "ready")) throw new Error(`bench worker not ready: ${ready.join(" | ")}`);
  } catch (e) {
    for (const c of children) c.child.kill();
    throw e;
  }
  return {
    async round(budget: Target, round: number): Promise<Samples[]> {
      children.forEach((c, i) => c.child.stdin!.write(JSON.stringify({ budget, round, attempts: share[i] } satisfies ContendedRound) + "\n"));
      return all(async (c) => JSON.parse(await c.nextLine()) as Samples);
    },
    stop,
  };
}
