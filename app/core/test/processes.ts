// Spawning worker processes (tsx) and collecting their one-line JSON answers.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../../scripts/lib/postgres.ts";

export interface Worker {
  child: ChildProcess;
  /** Everything the worker printed so far. */
  output: () => string;
  ready: Promise<void>;
  result: Promise<any>;
}

export function spawnWorker(script: string, args: string[], env: Record<string, string> = {}): Worker {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stderr!.on("data", (d) => (err += d));
  const result = new Promise<any>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready\n")) onReady();
    });
    child.on("exit", (code) => {
      const last = out.trim().split("\n").filter((l) => l !== "ready").pop();
      if (code === 0 && last) resolve(JSON.parse(last));
      else reject(new Error(`worker exited ${code}: ${err || out}`));
    });
  });
  return { child, ready, result, output: () => out };
}
