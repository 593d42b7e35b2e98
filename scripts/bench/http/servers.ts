// The processes bench:http measures: the real app server (scripts/serve.ts on the production
// build) and a bare node:http server, each a child process that prints "ready <pid>" when it
// listens, with the pids of the processes that serve, so the server's CPU per request is read
// from /proc for exactly those.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../lib/postgres.ts";

export interface ChildServer {
  url: string;
  /** The processes that serve (one, or the node:cluster workers). */
  pids: number[];
  stop(): Promise<void>;
}

export function startChildServer(
  script: "app" | "bare",
  port: number,
  env: Record<string, string>,
  opts: { cpuProfDir?: string | null; processes?: number } = {},
): Promise<ChildServer> {
  // node --import tsx rather than the tsx binary: one process (whose pid we read) that takes
  // node's own flags (--cpu-prof is refused in NODE_OPTIONS). Cluster workers get the flags
  // from child.ts.
  const processes = opts.processes ?? 1;
  const profDir = opts.cpuProfDir ? path.resolve(opts.cpuProfDir) : null;
  const prof = profDir && processes === 1 ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
  const args = [path.join(ROOT, "scripts/bench/http/child.ts"), script, String(port), String(processes), ...(profDir && processes > 1 ? [profDir] : [])];
  const child = spawn(process.execPath, ["--import", "tsx", ...prof, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`bench:http ${script} server exited with ${code}: ${err.trim() || out.trim()}`)));
    child.stdout!.on("data", (d) => {
      out += d;
      // Cluster workers share this stdout, so the line may not come first.
      const m = /^ready ([\d,]+)$/m.exec(out);
      if (!m) return;
      child.removeAllListeners("exit");
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      resolve({
        url: `http://127.0.0.1:${port}`,
        pids: m[1].split(",").map(Number),
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
