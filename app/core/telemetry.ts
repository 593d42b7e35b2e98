// Spans and metrics through @opentelemetry/api only: no-ops unless the host registers an SDK.
import { metrics, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";

const tracer = trace.getTracer("tollgate", "0.1.0"); // a proxy: follows a provider registered later

function createInstruments() {
  const meter = metrics.getMeter("tollgate", "0.1.0");
  return {
    decisions: meter.createCounter("tollgate.decisions", { description: "Quota decisions by operation and outcome" }),
    decisionMs: meter.createHistogram("tollgate.decision.duration", { unit: "ms", description: "Decision latency" }),
    costUsd: meter.createCounter("tollgate.cost.usd", { unit: "USD", description: "Recorded cost by resource" }),
    utilization: meter.createHistogram("tollgate.quota.utilization", { unit: "%", description: "Quota utilization seen by decisions" }),
    activeHolds: meter.createUpDownCounter("tollgate.holds.active", { description: "Reservations currently held (this process's view)" }),
    sandboxErrors: meter.createCounter("tollgate.sandbox.errors", { description: "Sandbox errors by lifecycle stage" }),
    batchSize: meter.createHistogram("tollgate.batch.size", { description: "Decisions per group-commit transaction, by how the batch ended" }),
    spooled: meter.createCounter("tollgate.spool.entries", { description: "Costs spooled to disk while the database was unavailable" }),
  };
}

// Unlike tracers, meters are not proxies: instruments made before the host registers its
// MeterProvider would stay no-ops. Re-create them whenever the global provider changes.
let provider: unknown;
let current: ReturnType<typeof createInstruments>;
export function instruments() {
  const p = metrics.getMeterProvider();
  if (p !== provider) {
    provider = p;
    current = createInstruments();
  }
  return current;
}

/** Runs fn inside an active span; errors mark the span and are rethrown. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  });
}
