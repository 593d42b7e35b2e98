// The one logger of a server process (pino): JSON lines for log shippers, pretty lines in a
// terminal. Every request gets one line from the HTTP server (scripts/lib/request-log.ts) with its
// id, route, status, duration and — once the route knows it — the tenant; code handling the
// request adds the tenant with annotateRequest(). Trace ids are added while a span is active
// (telemetry on), so a log line leads to its trace.
//
// Nothing that may carry a secret is ever logged: no headers, no bodies, no query strings, no
// configuration values. `redact` below is the backstop for an object logged by mistake.
//
// Shared through globalThis: the Remix build bundles its own copy of this module, and the
// server scripts import another; both must write through one stream (ordering, one format) and
// see one request context.
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { logSettings } from "./config.server.ts";

export type { Logger };

/** What the request line reports; filled in while the request is handled. */
export interface RequestContext {
  reqId: string;
  /** The route pattern (low cardinality: no ids), e.g. /api/v1/reservations/:id/settle. */
  route?: string;
  tenant?: string;
}

interface Shared {
  root?: Logger;
  /** Where lines go; swapped by captureLogs() (children made earlier follow, as they share the root's stream). */
  out?: { write(chunk: string): unknown };
  requests: AsyncLocalStorage<RequestContext>;
  children: Map<string, Logger>;
}
const KEY = Symbol.for("tollgate.logger");
const shared: Shared = ((globalThis as Record<symbol, Shared>)[KEY] ??= { requests: new AsyncLocalStorage<RequestContext>(), children: new Map() });

/** Keys whose values are never written, wherever they appear in a logged object. */
export const REDACTED_KEYS = ["authorization", "cookie", "set-cookie", "password", "secret", "apiKey", "token", "routingKey", "url", "config"];

/** LOG_FORMAT / LOG_LEVEL (an invalid value falls back: the start reports it and stops). */
function settings(): { level: string; pretty: boolean } {
  const { LOG_LEVEL: level, LOG_FORMAT: format } = logSettings();
  return { level, pretty: format === "pretty" || (format === "auto" && process.stdout.isTTY === true) };
}

function create(): Logger {
  const { level, pretty: isPretty } = settings();
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"warn" rather than 40: readable by people and by every log shipper.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]), censor: "[redacted]" },
    // Correlation with traces (W3C ids, as OTLP backends index them).
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      // Without an SDK the core's spans are non-recording with all-zero ids: nothing to correlate.
      if (!context || !isSpanContextValid(context)) return {};
      const { traceId, spanId, traceFlags } = context;
      return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
    },
  };
  // JSON lines are written asynchronously: while one write is in flight the next lines queue
  // and go out together, so a loaded server makes a few write calls per batch of requests
  // instead of one per request (a synchronous write per request line was ~10% of the CPU of a
  // health check, docs/benchmarks.md). Nothing waits longer than the write in flight; pino
  // flushes what is queued synchronously when the process exits, also on an uncaught exception
  // — only a SIGKILL can lose the lines of that last moment. Pretty output (a person at a
  // terminal) stays synchronous.
  shared.out ??= isPretty
    ? pretty({
        colorize: true,
        sync: true,
        singleLine: true,
        translateTime: "SYS:HH:MM:ss",
        ignore: "pid,hostname,component",
        messageFormat: "{if component}[{component}] {end}{msg}",
      })
    : pino.destination({ fd: 1, sync: false });
  return pino(options, { write: (chunk: string) => shared.out!.write(chunk) });
}

/** Whether lines go to a person (pretty) rather than a log shipper (JSON). */
export function isPrettyLogging(): boolean {
  return settings().pretty;
}

/** The process's logger; `component` names the part of the server that writes. */
export function logger(component?: string): Logger {
  const root = (shared.root ??= create());
  if (!component) return root;
  // One child per component (a child per call would be made on every request line).
  let child = shared.children.get(component);
  if (!child) shared.children.set(component, (child = root.child({ component })));
  return child;
}

/** Runs fn with a request context that annotateRequest() (in route code) fills in. */
export function withRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return shared.requests.run(ctx, fn);
}

/** The current request's context, if code runs inside one. */
export function requestContext(): RequestContext | undefined {
  return shared.requests.getStore();
}

/** Adds what the route learned (the tenant acted for) to the current request's log line. */
export function annotateRequest(fields: { tenant?: string | null; route?: string }) {
  const ctx = shared.requests.getStore();
  if (!ctx) return;
  if (fields.tenant) ctx.tenant = fields.tenant;
  if (fields.route) ctx.route = fields.route;
}

/**
 * Tests: everything logged until restore() is kept (as JSON lines) instead of written; `lines`
 * are parsed, `raw` is exactly the text that would have reached stdout.
 */
export function captureLogs(): { lines: () => Record<string, unknown>[]; raw: () => string; restore: () => void } {
  logger(); // the root exists, so shared.out is the real stream to restore
  const previous = shared.out;
  let text = "";
  shared.out = { write: (chunk: string) => void (text += chunk) };
  return {
    raw: () => text,
    lines: () => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => void (shared.out = previous),
  };
}
