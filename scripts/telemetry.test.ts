// Telemetry as an operator gets it from `npm start` (scripts/otel-preload.ts, lib/otel.ts,
// lib/metrics-server.ts): traces over OTLP/HTTP to a real receiver, Prometheus text on
// METRICS_PORT covering every server process, and nothing at all when nothing is configured.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../app/db/test/test-database.ts";
import { createQuota, createTenant } from "../app/core/test/fixtures.ts";
import { apiKey } from "../app/test/api-fixtures.ts";
import { freePort, ROOT } from "./lib/postgres.ts";

vi.setConfig({ testTimeout: 180_000 });

/** As package.json's "start" runs it. */
const START = ["--import", "tsx", "--import", "./scripts/otel-preload.ts", "scripts/start.ts"];

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP receiver (JSON encoding): keeps every span and counts metric exports. */
async function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      paths.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
      if (req.url === "/v1/traces") {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    paths,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** `npm start` against the test database; resolves once it (and every server process) serves. */
async function startServer(databaseUrl: string, env: Record<string, string>, processes = 1) {
  const port = await freePort();
  const child = spawn(process.execPath, START, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      SECRETS_KEY: "telemetry-test-secrets-key",
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      SEED_DEMO: "false",
      ANALYSIS_INTERVAL_HOURS: "0",
      WEB_CONCURRENCY: String(processes),
      LOG_FORMAT: "json",
      ...env,
    } as NodeJS.ProcessEnv,
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const serving = () => (processes > 1 ? [...out.matchAll(/server process \d\/\d \(pid \d+\) serving/g)].length === processes : true);
  for (let i = 0; i < 1200 && !(out.includes("Press Ctrl-C") && serving()); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!out.includes("Press Ctrl-C")) throw new Error(`server did not start:\n${out}`);
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

async function until<T>(what: () => T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

let t: TestDatabase;
let key: string;
let tenantId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  tenantId = await createTenant(t.pool, "otel-acme");
  // $3 a day for llm: three $1 reserves pass, the fourth is denied.
  await createQuota(t.pool, { scope: "tenant", tenantId, resource: "llm", period: "day", limit: "3" });
  key = await apiKey(t.prisma, "telemetry test", tenantId);
});
afterAll(async () => t?.drop());

const reserve = (url: string, idempotencyKey: string) =>
  fetch(`${url}/api/v1/reservations`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ tenantId: "otel-acme", resource: "llm", estimatedCostUsd: 1, idempotencyKey }),
  });

/** The value of one Prometheus series summed over every process (worker label). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf("}"));
    if (!Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) continue;
    found = true;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found ? sum : NaN;
}

describe("telemetry on", () => {
  it("one reserve is one trace over OTLP/HTTP: HTTP server span → quota.reserve → quota.db.lock → pg query; /metrics counts 3 allowed and 1 denied exactly", async () => {
    const receiver = await otlpReceiver();
    const metricsPort = await freePort();
    const server = await startServer(t.url, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "50",
      OTEL_METRIC_EXPORT_INTERVAL: "500",
      OTEL_SERVICE_NAME: "tollgate-test",
      METRICS_PORT: String(metricsPort),
    });
    try {
      expect(server.output()).toContain('"msg":"telemetry on"');
      const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const before = await scrape();
      // No decision yet: the counter has no series.
      expect(sample(before, "tollgate_decisions_total", { op: "reserve" })).toBeNaN();

      const first = await reserve(server.url, "otel-1");
      expect(first.status).toBe(201);

      const reserveSpan = await until(() => receiver.spans.find((s) => s.name === "quota.reserve"));
      const lock = await until(() => receiver.spans.find((s) => s.name === "quota.db.lock" && s.parentSpanId === reserveSpan.spanId));
      const httpSpan = await until(() => receiver.spans.find((s) => s.spanId === reserveSpan.parentSpanId));
      const pgSpans = await until(() => {
        const found = receiver.spans.filter((s) => s.parentSpanId === lock.spanId && s.attributes.some((a) => a.key.startsWith("db.")));
        return found.length ? found : undefined;
      });
      // One trace, from the request through its batch to the database.
      expect(new Set([httpSpan, reserveSpan, lock, ...pgSpans].map((s) => s.traceId)).size).toBe(1);
      expect(httpSpan.kind).toBe(2); // SERVER
      expect(httpSpan.parentSpanId ?? "").toBe("");
      expect(httpSpan.name).toMatch(/^POST/);
      expect(httpSpan.attributes.find((a) => a.key === "http.response.status_code" || a.key === "http.status_code")?.value).toEqual({ intValue: 201 });
      expect(pgSpans.every((s) => s.kind === 3)).toBe(true); // CLIENT
      expect(pgSpans.some((s) => s.attributes.some((a) => a.key === "db.system" || a.key === "db.system.name"))).toBe(true);
      // The request's log line carries the same trace id.
      const line = server
        .output()
        .split("\n")
        .filter((l) => l.includes('"route":"/api/v1/reservations"'))
        .map((l) => JSON.parse(l))[0];
      expect([line.trace_id, line.tenant, line.status]).toEqual([httpSpan.traceId, "otel-acme", 201]);

      for (const k of ["otel-2", "otel-3"]) expect((await reserve(server.url, k)).status).toBe(201);
      expect((await reserve(server.url, "otel-4")).status).toBe(429);
      const after = await scrape();
      expect(sample(after, "tollgate_decisions_total", { op: "reserve", resource: "llm", outcome: "allowed" })).toBe(3);
      expect(sample(after, "tollgate_decisions_total", { op: "reserve", resource: "llm", outcome: "denied" })).toBe(1);
      expect(sample(after, "tollgate_http_server_requests_total", { route: "/api/v1/reservations", status: "429" })).toBe(1);
      expect(sample(after, "tollgate_decision_duration_count", { op: "reserve", resource: "llm" })).toBe(4);
      expect(sample(after, "tollgate_worker_up", { worker: "1" })).toBe(1);
      // The rest of what an operator watches is there too (values depend on timing).
      for (const name of ["tollgate_batch_size_count", "tollgate_db_pool_connections", "tollgate_db_pool_waiting", "tollgate_alerts_outbox", "tollgate_alerts_outbox_oldest_age"]) {
        expect(after, name).toMatch(new RegExp(`^${name}\\{`, "m"));
      }
      expect(sample(after, "tollgate_alerts_outbox", { status: "dead" })).toBe(0);
      // Every metric the dashboard, the alert rules and the README name is one the server
      // exposes; those not seen here appear only with their event (named, so a rename fails).
      const exposed = new Set([...after.matchAll(/^(tollgate_[a-z_]+)\{/gm)].map((m) => m[1]));
      const docs = ["docs/ops/grafana-dashboard.json", "docs/ops/prometheus-rules.yml", "README.md"].map((f) => readFileSync(path.join(ROOT, f), "utf8")).join("\n");
      const referenced = new Set([...docs.matchAll(/\b(tollgate_[a-z_]+)/g)].map((m) => m[1]));
      expect([...referenced].filter((n) => !exposed.has(n)).sort()).toEqual([
        "tollgate_analysis_duration_bucket", // an analysis run (ANALYSIS_INTERVAL_HOURS=0 here)
        "tollgate_analysis_duration_count",
        "tollgate_analysis_duration_sum",
        "tollgate_cost_usd_total", // a settle or record
        "tollgate_lease_events_total", // a lease event: this test has no platform quota
        "tollgate_sandbox_errors_total", // a sandbox error report
      ]);
      expect([sample(after, "tollgate_spool_backlog", {}), sample(after, "tollgate_spool_dead_letters", {})]).toEqual([0, 0]);
      // OTLP metrics went out too.
      await until(() => receiver.paths.some((p) => p.startsWith("POST /v1/metrics application/json")));
    } finally {
      expect(await server.stop()).toBe(0);
      await receiver.close();
    }
  });

  it("with several server processes a scrape shows every process's series, and their sum is the server's exact figure", async () => {
    const t2 = await createTestDatabase();
    try {
      const tenant = await createTenant(t2.pool, "otel-acme");
      await createQuota(t2.pool, { scope: "tenant", tenantId: tenant, resource: "llm", period: "day", limit: "3" });
      key = await apiKey(t2.prisma, "telemetry test", tenant);
      const metricsPort = await freePort();
      const server = await startServer(t2.url, { METRICS_PORT: String(metricsPort) }, 2);
      try {
        // Metrics only (no OTLP endpoint): no traces, no OTLP export.
        expect(server.output()).toContain('"traces":false,"otlpMetrics":false,"prometheus":true,"msg":"telemetry on"');
        // Fresh connections, so the kernel spreads them over both processes.
        const statuses: number[] = [];
        for (const k of ["a", "b", "c", "d"]) {
          const r = await fetch(`${server.url}/api/v1/reservations`, {
            method: "POST",
            headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", Connection: "close" },
            body: JSON.stringify({ tenantId: "otel-acme", resource: "llm", estimatedCostUsd: 1, idempotencyKey: k }),
          });
          statuses.push(r.status);
        }
        expect(statuses.sort()).toEqual([201, 201, 201, 429]);
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        expect(sample(text, "tollgate_worker_up", { worker: "1" })).toBe(1);
        expect(sample(text, "tollgate_worker_up", { worker: "2" })).toBe(1);
        expect(sample(text, "tollgate_decisions_total", { op: "reserve", outcome: "allowed" })).toBe(3);
        expect(sample(text, "tollgate_decisions_total", { op: "reserve", outcome: "denied" })).toBe(1);
        // Each family is written once (HELP/TYPE), with both processes' series under it.
        expect(text.match(/^# TYPE tollgate_db_pool_connections gauge$/gm)).toHaveLength(1);
        expect(new Set([...text.matchAll(/^tollgate_db_pool_connections\{worker="(\d)"/gm)].map((m) => m[1]))).toEqual(new Set(["1", "2"]));
        // Shared state is reported once: by process 1, which runs the background work.
        expect([...text.matchAll(/^tollgate_alerts_outbox\{worker="(\d)",status="pending"/gm)].map((m) => m[1])).toEqual(["1"]);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      await t2.drop();
    }
  });
});

describe("telemetry off", () => {
  it("without OTEL_* or METRICS_PORT the preload registers no SDK, no exporter and no hook", () => {
    const probe = `
      import { metrics, trace } from "@opentelemetry/api";
      const delegate = trace.getTracerProvider().getDelegate?.();
      console.log(JSON.stringify({ tracer: delegate?.constructor.name, meter: metrics.getMeterProvider().constructor.name }));`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["--import", "tsx", "--import", "./scripts/otel-preload.ts", "--input-type=module", "-e", probe], {
        cwd: ROOT,
        // One server process: the primary of a group sets up nothing (its workers do).
        env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: "json", WEB_CONCURRENCY: "1", ...env } as unknown as NodeJS.ProcessEnv,
        encoding: "utf8",
        timeout: 60_000,
      });
    const off = run({});
    expect(off.stderr).toBe("");
    expect(off.stdout.trim()).toBe(JSON.stringify({ tracer: "NoopTracerProvider", meter: "NoopMeterProvider" }));
    // The same probe sees the SDK once an endpoint is configured (so the probe can tell).
    const on = run({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_TRACES_EXPORTER: "otlp" });
    const lines = on.stdout.trim().split("\n");
    expect(JSON.parse(lines[0]).msg).toBe("telemetry on");
    const seen = JSON.parse(lines[1]);
    expect([seen.tracer, seen.meter]).toEqual([expect.stringMatching(/^TracerProvider/), expect.stringMatching(/^MeterProvider/)]);
  });
});
