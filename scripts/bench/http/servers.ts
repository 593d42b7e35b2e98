// The processes bench:http measures: the real app server (scripts/serve.ts on the production
// build) and a bare node:http server, each a child process that prints "ready <pid>" when it
// listens, with its pid, so the server's CPU per request is read from /proc for exactly the
// process that serves.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../lib/postgres.ts";

export interface ChildServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function startChildServer(
  script: "app" | "bare",
  port: number,
  env: Record<string, string>,
  opts: { cpuProfDir?: string | null } = {},
): Promise<ChildServer> {
  // node --import tsx rather than the tsx binary: one process (whose pid we read) that takes
  // node's own flags (--cpu-prof is refused in NODE_OPTIONS).
  const prof = opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(opts.cpuProfDir)}`] : [];
  const child = spawn(process.execPath, ["--import", "tsx", ...prof, path.join(ROOT, "scripts/bench/http/child.ts"), script, String(port)], {
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
      const m = /^ready (\d+)\n/.exec(out);
      if (!m) return;
      child.removeAllListeners("exit");
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      resolve({
        url: `http://127.0.0.1:${port}`,
        pid: Number(m[1]),
        stop: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
