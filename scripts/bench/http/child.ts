// A bench:http server process: `app` serves the production build through scripts/serve.ts
// (no background work: the sweeper and analysis would add CPU that is not the request path);
// `bare` is the floor of this stack — node:http answering a fixed JSON body.
import http from "node:http";
import { serve } from "../../serve.ts";

const [kind, portArg] = process.argv.slice(2);
const port = Number(portArg);

let close: () => Promise<void>;
if (kind === "app") {
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
process.stdout.write(`ready ${process.pid}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => void close().finally(() => process.exit(0)));
}
