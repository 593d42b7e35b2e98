// A repository script run as a user runs it — tsx in a child process from the repository root —
// with what it printed and its exit code: the CLI and bench tests' one way to do it.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../postgres.ts";

export interface ScriptRun {
  /** The exit code (null if a signal ended it). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx <script> ...args` with the test process's environment plus `env`; never rejects on a non-zero exit. */
export function runScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), [script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
