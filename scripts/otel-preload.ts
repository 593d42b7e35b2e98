// `node --import tsx --import ./scripts/otel-preload.ts scripts/start.ts` (npm start, and the
// server processes of a WEB_CONCURRENCY group): sets up telemetry before the app's modules load,
// because instrumentation of `pg` and `http` must be in place before they are imported.
// Does nothing — loads no SDK, registers no hook — unless telemetry is configured
// (OTEL_EXPORTER_OTLP_*ENDPOINT, METRICS_PORT). A bad configuration is left to the start,
// which reports it by variable name and stops.
import cluster from "node:cluster";
import { ConfigError, getConfig, type Config } from "../app/services/config.server.ts";
import { serverProcesses } from "./lib/server-processes.ts";

function configOrNothing(): Config | undefined {
  try {
    return getConfig();
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

const config = configOrNothing();
// The primary of a group only supervises; its workers serve and export (scripts/lib/workers.ts).
const supervisesOnly = cluster.isPrimary && config !== undefined && serverProcesses(config.WEB_CONCURRENCY) > 1;
if (config && !supervisesOnly) {
  const { startTelemetry } = await import("./lib/otel.ts");
  const telemetry = await startTelemetry(config);
  if (telemetry) {
    const { logger } = await import("../app/services/logger.server.ts");
    logger("telemetry").info(
      { traces: telemetry.traces, otlpMetrics: telemetry.otlpMetrics, prometheus: telemetry.prometheus },
      "telemetry on",
    );
    // Flushed by the start and the server processes' shutdown (shutdownTelemetry in lib/otel.ts).
  }
}
