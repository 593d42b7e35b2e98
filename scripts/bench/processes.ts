// The multi-process cells: P child processes (worker.ts) started together by a go signal on
// stdin, their samples merged (ops over the wall time from the first start to the last end).
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../lib/postgres.ts";
import { newUserTarget, randomTarget, type Targets } from "./fixture.ts";
import type { Samples } from "./measure.ts";
import type { LeaseScope, PeerName } from "./options.ts";
import type { OpOutcome, Peer } from "./peers.ts";

export type TimedWorkload = "hot" | "spread" | "spread-users";

export interface WorkerSpec {
  url: string;
  workload: TimedWorkload;
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
