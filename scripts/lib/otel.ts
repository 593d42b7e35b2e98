// Telemetry of a server process: the OpenTelemetry SDK (@opentelemetry/sdk-node), set up only
// when configured (telemetryPlan in config.server.ts), from scripts/otel-preload.ts — before
// `pg` and `http` are loaded, as instrumentation requires.
//
// - Traces: OTLP/HTTP, configured by the standard OTEL_* variables (the SDK's own env setup:
//   endpoint, headers, protocol http/protobuf or http/json, sampler, batch sizes). HTTP server
//   spans (instrumentation-http) parent the core's spans (quota.reserve → quota.db.lock), which
//   parent the pg query spans (instrumentation-pg): one reserve is one trace.
// - Metrics: a periodic OTLP/HTTP reader when an endpoint is set; a Prometheus reader (no server
//   of its own) when METRICS_PORT is set — scripts/lib/metrics-server.ts serves its text, for
//   every server process of the group.
//
// The app records through @opentelemetry/api only (core/telemetry.ts, services/metrics.server.ts);
// with nothing configured this module is never loaded and the API stays a no-op.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { MetricReader } from "@opentelemetry/sdk-metrics";
import type { NodeSDK } from "@opentelemetry/sdk-node";
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { telemetryPlan, type Config } from "../../app/services/config.server.ts";
import { logger } from "../../app/services/logger.server.ts";

// The SDK's own copies of sdk-metrics and the OTLP metric exporters, resolved as the SDK
// resolves them (declared dependencies of @opentelemetry/sdk-node, so present with it), rather
// than whatever another package hoisted.
const sdkRequire = createRequire(createRequire(import.meta.url).resolve("@opentelemetry/sdk-node"));

let sdk: NodeSDK | undefined;
let prometheus: PrometheusExporter | undefined;

export interface RunningTelemetry {
  traces: boolean;
  otlpMetrics: boolean;
  prometheus: boolean;
  /** Flushes and stops the exporters (on shutdown). */
  shutdown(): Promise<void>;
}

/** Sets up the SDK per configuration; undefined (and nothing loaded) when telemetry is off. */
export async function startTelemetry(config: Config): Promise<RunningTelemetry | undefined> {
  const plan = telemetryPlan(config);
  if (!plan.traces && !plan.otlpMetrics && !plan.prometheus) return undefined;
  if (sdk) throw new Error("telemetry already started");

  // ES modules are instrumented through import-in-the-middle's loader hook. The message channel
  // limits wrapping to the modules an instrumentation asked for (pg, http), and the wait makes
  // sure the hook knows them before the app's imports run.
  // Both from the copy @opentelemetry/instrumentation uses (hook state lives in that module).
  const { register } = await import("node:module");
  const instrumentationRequire = createRequire(sdkRequire.resolve("@opentelemetry/instrumentation"));
  const { createAddHookMessageChannel } = instrumentationRequire("import-in-the-middle") as typeof import("import-in-the-middle");
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register(pathToFileURL(sdkRequire.resolve("@opentelemetry/instrumentation/hook.mjs")).href, import.meta.url, registerOptions);

  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { PrometheusExporter }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-pg"),
    import("@opentelemetry/exporter-prometheus"),
  ]);

  const readers: MetricReader[] = [];
  if (plan.otlpMetrics) readers.push(otlpMetricReader(config));
  if (plan.prometheus) {
    prometheus = new PrometheusExporter({ preventServerStart: true });
    readers.push(prometheus as unknown as MetricReader);
  }

  sdk = new NodeSDK({
    // Passed explicitly: an empty list means no MeterProvider at all.
    metricReaders: readers as never,
    // Traces only with an OTLP endpoint (the SDK would otherwise default to localhost:4318);
    // undefined lets the SDK build them from OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_*.
    spanProcessors: plan.traces ? undefined : [],
    // Logs go to stdout through pino (LOG_FORMAT); no OTLP log pipeline.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Fingerprinted assets and health probes would drown the request traces.
        ignoreIncomingRequestHook: (req) => /^\/(build\/|favicon\.ico|healthz)/.test(req.url ?? ""),
      }),
      // Queries outside any span (pool housekeeping, pollers' idle rounds) are not traces.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();

  return { ...plan, shutdown: shutdownTelemetry };
}

/** Sends what is still buffered and stops the exporters; nothing to do when telemetry is off. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => {});
  sdk = undefined;
  prometheus = undefined;
}

/** OTLP/HTTP metrics in the protocol the standard variables name (http/protobuf by default). */
function otlpMetricReader(config: Config): MetricReader {
  const { PeriodicExportingMetricReader } = sdkRequire("@opentelemetry/sdk-metrics");
  const protocol = process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf";
  const { OTLPMetricExporter } = sdkRequire(protocol === "http/json" ? "@opentelemetry/exporter-metrics-otlp-http" : "@opentelemetry/exporter-metrics-otlp-proto");
  const interval = config.OTEL_METRIC_EXPORT_INTERVAL;
  return new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: interval, exportTimeoutMillis: Math.min(30_000, interval) });
}

/** This process's metrics as Prometheus text ("" when no Prometheus reader is set up). */
export async function prometheusText(): Promise<string> {
  if (!prometheus) return "";
  const { PrometheusSerializer } = await import("@opentelemetry/exporter-prometheus");
  const { resourceMetrics, errors } = await prometheus.collect();
  for (const e of errors) logger("metrics").warn({ err: e }, "a metric could not be collected");
  return new PrometheusSerializer().serialize(resourceMetrics);
}
