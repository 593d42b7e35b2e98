// Spans and metrics reach a host-registered OpenTelemetry SDK through @opentelemetry/api.
import { context, metrics, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import { createTollgate } from "./index.ts";
import { createQuota, createTenant } from "./test/fixtures.ts";

let t: TestDatabase;
const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });

beforeAll(async () => {
  t = await createTestDatabase();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterAll(async () => t?.drop());

it("emits nested spans with tenant, outcome and binding scope, and decision metrics", async () => {
  const tenantId = await createTenant(t.pool, "otel");
  await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1" });
  const tg = createTollgate({ pool: t.pool });
  const ok = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "a", estimatedCostUsd: "0.6" });
  const no = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "b", estimatedCostUsd: "0.6" });
  expect([ok.allowed, no.allowed]).toEqual([true, false]);
  if (ok.allowed) await tg.settle(ok.reservationId, { actualCostUsd: "0.5" });

  const finished = spans.getFinishedSpans();
  const reserves = finished.filter((s) => s.name === "quota.reserve");
  expect(reserves.map((s) => s.attributes["tollgate.outcome"])).toEqual(["allowed", "denied"]);
  expect(reserves[1].attributes["tollgate.binding_scope"]).toBe("tenant");
  expect(reserves[0].attributes["tollgate.tenant"]).toBe(tenantId);
  const locks = finished.filter((s) => s.name === "quota.db.lock");
  expect(locks).toHaveLength(2);
  expect(locks[0].parentSpanContext?.spanId).toBe(reserves[0].spanContext().spanId);
  const settle = finished.find((s) => s.name === "cost.settle")!;
  const insert = finished.find((s) => s.name === "cost.db.insert")!;
  expect(insert.parentSpanContext?.spanId).toBe(settle.spanContext().spanId);

  await reader.forceFlush();
  const all = metricExporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics));
  const decisions = all.find((m) => m.descriptor.name === "tollgate.decisions")!;
  const count = (outcome: string, op: string) =>
    decisions.dataPoints.filter((p) => p.attributes.outcome === outcome && p.attributes.op === op).reduce((n, p) => n + (p.value as number), 0);
  expect(count("allowed", "reserve")).toBe(1);
  expect(count("denied", "reserve")).toBe(1);
  expect(count("settled", "settle")).toBe(1);
  const cost = all.find((m) => m.descriptor.name === "tollgate.cost.usd")!;
  expect(cost.dataPoints.reduce((n, p) => n + (p.value as number), 0)).toBeCloseTo(0.5, 10);
});

it("the spool gauges report the backlog and the dead letters", async () => {
  const tenantId = await createTenant(t.pool, "otel-spool");
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-otel-spool-"));
  const line = (key: string, extra: Record<string, unknown>) =>
    JSON.stringify({ t: "record", req: { tenantId, resource: "llm", idempotencyKey: key, actualCostUsd: "1", ...extra, occurredAt: new Date().toISOString(), spooledBackfill: false } });
  writeFileSync(path.join(spoolDir, "spool-1-00000000000f.jsonl"), `${line("ok", {})}\n${line("nul", { userId: "\u0000" })}\n`);
  const tg = createTollgate({ pool: t.pool, failMode: "open", spoolDir });
  const gauges = async () => {
    await reader.forceFlush();
    const all = metricExporter.getMetrics().at(-1)!.scopeMetrics.flatMap((s) => s.metrics);
    const value = (name: string) => all.find((m) => m.descriptor.name === name)?.dataPoints.at(-1)?.value;
    return { backlog: value("tollgate.spool.backlog"), deadLetters: value("tollgate.spool.dead_letters") };
  };
  expect(await gauges()).toEqual({ backlog: 2, deadLetters: 0 });
  expect(await tg.replaySpool()).toBe(1);
  expect(await gauges()).toEqual({ backlog: 0, deadLetters: 1 });
});
