// The processes bench:http measures: the real app server (scripts/serve.ts on the production
// build) and a bare node:http server, each a child process that prints "ready <pid>" when it
// listens. The pid is the Node process that serves (tsx runs the script in a child of its own),
// so the server's CPU per request is read from /proc for exactly that process.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../../lib/postgres.ts";

export interface ChildServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function startChildServer(script: "app" | "bare", port: number, env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "scripts/bench/http/child.ts"), script, String(port)], {
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
