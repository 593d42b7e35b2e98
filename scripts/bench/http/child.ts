// A bench:http server process: `app` serves the production build through scripts/serve.ts
// (no background work: the sweeper and analysis would add CPU that is not the request path),
// in this process or — with a process count above 1 — in that many node:cluster workers on one
// port, as `npm start` runs with WEB_CONCURRENCY; `bare` is the floor of this stack —
// node:http answering a fixed JSON body. Prints "ready <pid>[,<pid>…]": the serving processes.
import http from "node:http";
import { serveWorkers } from "../../lib/workers.ts";
import { serve } from "../../serve.ts";

const [kind, portArg, processesArg = "1", cpuProfDir] = process.argv.slice(2);
const port = Number(portArg);
const processes = Number(processesArg);

let close: () => Promise<void>;
let pids = [process.pid];
if (kind === "app" && processes > 1) {
  const prof = cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [];
  const group = await serveWorkers({ count: processes, port, host: "127.0.0.1", log: (m) => console.error(m), background: false, execArgv: prof });
  close = group.close;
  pids = group.pids();
} else if (kind === "app") {
  const server = await serve({ port, host: "127.0.0.1", background: false });
  close = server.close;
} else {
  const body = JSON.stringify({ status: "ok" });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
}
process.stdout.write(`ready ${pids.join(",")}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => void close().finally(() => process.exit(0)));
}
