// METRICS_PORT: Prometheus text for the whole server on a listener of its own (default
// 127.0.0.1), apart from the public port, so the figures need no token and cannot be reached
// by API clients; expose it wider with METRICS_HOST only on a network Prometheus alone reaches.
//
// With several server processes (WEB_CONCURRENCY) one process answering a scrape would show
// its own share only (whichever the kernel handed the connection to). So the listener runs in
// the primary, which asks every server process for its text over the cluster channel and
// returns them together, each series labelled worker="N": counters and histograms stay exact
// per process (a restarted process is a counter reset, which rate() handles), and sum() over
// the label gives the server's figure. Figures about shared state (outbox, dead letters) are
// reported by worker 1 only, which runs the shared background work. A process that does not
// answer in time shows as tollgate_worker_up{worker="N"} 0 instead of failing the scrape.
import type { Worker } from "node:cluster";
import http from "node:http";
import { prometheusText } from "./otel.ts";

const REQUEST = "tollgate:metrics?";
const REPLY = "tollgate:metrics";
const WORKER_TIMEOUT_MS = 5_000;

/** In a server process of a group: answer the primary's requests for this process's text. */
export function answerMetricsRequests() {
  process.on("message", (m: { type?: string; id?: number }) => {
    if (m?.type !== REQUEST) return;
    prometheusText().then(
      (text) => process.send?.({ type: REPLY, id: m.id, text }),
      () => process.send?.({ type: REPLY, id: m.id, text: null }),
    );
  });
}

let nextId = 1;
/** In the primary: every live server process's text (null for one that did not answer in time). */
export async function collectFromWorkers(workers: Map<number, Worker>): Promise<{ worker: string; text: string | null }[]> {
  return Promise.all(
    [...workers.entries()].map(
      ([index, w]) =>
        new Promise<{ worker: string; text: string | null }>((resolve) => {
          const id = nextId++;
          const done = (text: string | null) => {
            clearTimeout(timer);
            w.off("message", onMessage);
            resolve({ worker: String(index), text });
          };
          const onMessage = (m: { type?: string; id?: number; text?: string | null }) => {
            if (m?.type === REPLY && m.id === id) done(m.text ?? null);
          };
          const timer = setTimeout(() => done(null), WORKER_TIMEOUT_MS);
          w.on("message", onMessage);
          try {
            w.send({ type: REQUEST, id });
          } catch {
            done(null);
          }
        }),
    ),
  );
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** `name{a="b"} 1` → `name{worker="3",a="b"} 1` (metric names cannot contain "{" or spaces). */
function withWorker(line: string, worker: string): string {
  const name = NAME.exec(line)?.[0];
  if (!name) return line;
  const rest = line.slice(name.length);
  const label = `worker="${worker}"`;
  if (rest.startsWith("{}")) return `${name}{${label}}${rest.slice(2)}`;
  if (rest.startsWith("{")) return `${name}{${label},${rest.slice(1)}`;
  return `${name}{${label}}${rest}`;
}

/**
 * One exposition from several processes' texts: every series gets its process's worker label,
 * and each metric family is written once (HELP/TYPE, then the samples of every process), as the
 * text format requires. Plus tollgate_worker_up per process.
 */
export function mergeExpositions(parts: { worker: string; text: string | null }[]): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  for (const { worker, text } of parts) {
    if (!text) continue;
    let current: { meta: string[]; samples: string[] } | undefined;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const meta = /^# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
      if (meta) {
        const family = meta[2];
        const seen = families.get(family);
        current = seen ?? { meta: [], samples: [] };
        if (!seen) families.set(family, current);
        // The first process's HELP/TYPE stand for all (the same code wrote them).
        if (!current.meta.some((m) => m.startsWith(`# ${meta[1]} `))) current.meta.push(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      if (!current) {
        // A sample without metadata: its own (untyped) family.
        const name = NAME.exec(line)?.[0] ?? "";
        current = families.get(name) ?? { meta: [], samples: [] };
        families.set(name, current);
      }
      current.samples.push(withWorker(line, worker));
    }
  }
  const out: string[] = [];
  for (const { meta, samples } of families.values()) out.push(...meta, ...samples);
  out.push("# HELP tollgate_worker_up Whether the server process answered this scrape (1) or not (0)");
  out.push("# TYPE tollgate_worker_up gauge");
  for (const { worker, text } of parts) out.push(`tollgate_worker_up{worker="${worker}"} ${text === null ? 0 : 1}`);
  return `${out.join("\n")}\n`;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** GET /metrics on host:port; `collect` returns the processes' texts. */
export async function startMetricsServer(opts: {
  port: number;
  host: string;
  collect: () => Promise<{ worker: string; text: string | null }[]>;
}): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found: GET /metrics\n");
      return;
    }
    opts.collect().then(
      (parts) => {
        const body = mergeExpositions(parts);
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }).end(req.method === "HEAD" ? undefined : body);
      },
      () => res.writeHead(500, { "Content-Type": "text/plain" }).end("metrics could not be collected\n"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shown}:${opts.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The metrics of this one process (npm start with a single server process). */
export async function collectOwn(): Promise<{ worker: string; text: string | null }[]> {
  return [{ worker: "1", text: await prometheusText() }];
}
