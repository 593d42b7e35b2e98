// One log line and two metrics per HTTP request, written when the response is done (or the
// client left): request id, method, path (never the query string: it may carry anything),
// route pattern, status, duration, the tenant the route acted for, and the trace it belongs to.
// The request id is the caller's X-Request-Id when it is a plain token, else a new UUID; it is
// echoed back so a client can quote it.
import { isSpanContextValid, metrics, trace } from "@opentelemetry/api";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { logger, type RequestContext } from "../../app/services/logger.server.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROBES = new Set(["/healthz", "/readyz"]);

// Meters are not proxies (see core/telemetry.ts): re-created when the global provider changes.
let provider: unknown;
let instruments: ReturnType<typeof createInstruments>;
function createInstruments() {
  const meter = metrics.getMeter("tollgate.http", "0.1.0");
  return {
    requests: meter.createCounter("tollgate.http.server.requests", { description: "HTTP requests answered, by route pattern, method and status" }),
    duration: meter.createHistogram("tollgate.http.server.duration", {
      unit: "s",
      description: "Time to answer an HTTP request, by route pattern and method",
      advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
    }),
  };
}
function httpInstruments() {
  const p = metrics.getMeterProvider();
  if (p !== provider) {
    provider = p;
    instruments = createInstruments();
  }
  return instruments;
}

/** Starts the request's context; its line is logged once the response finishes or is cut off. */
export function beginRequest(req: IncomingMessage, res: ServerResponse): RequestContext {
  const incoming = req.headers["x-request-id"];
  const reqId = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader("X-Request-Id", reqId);
  const ctx: RequestContext = { reqId };
  const started = performance.now();
  // The HTTP server span (telemetry on) is active while the request event is emitted.
  const active = trace.getActiveSpan()?.spanContext();
  const span = active && isSpanContextValid(active) ? active : undefined;
  res.once("close", () => {
    const seconds = (performance.now() - started) / 1000;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const route = ctx.route ?? "unmatched";
    const status = res.statusCode;
    const line = {
      reqId,
      method: req.method,
      path: q < 0 ? url : url.slice(0, q),
      route,
      status,
      durationMs: Math.round(seconds * 1e4) / 10,
      ...(ctx.tenant ? { tenant: ctx.tenant } : {}),
      ...(res.writableFinished ? {} : { aborted: true }),
      ...(span ? { trace_id: span.traceId, span_id: span.spanId } : {}),
    };
    const log = logger("http");
    if (status >= 500) log.error(line, "request");
    // Static files and load-balancer probes (a line per probe per second per instance would
    // drown the API's lines) are debug; a probe that fails is still an error line.
    else if (route === "static" || PROBES.has(route)) log.debug(line, "request");
    else log.info(line, "request");
    const m = httpInstruments();
    m.requests.add(1, { route, method: req.method ?? "", status });
    m.duration.record(seconds, { route, method: req.method ?? "" });
  });
  return ctx;
}
