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
    leaseEvents: meter.createCounter("tollgate.lease.events", {
      description: "Budget leases (ADR 0009) by kind: granted, returned, trimmed, reclaimed, short (a batch ran again with the row locked)",
    }),
    ...spoolGauges(meter),
    ...poolGauges(meter),
  };
}

/** What a pg.Pool reports to the gauges (its counters are plain properties). */
export interface PoolGaugeSource {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
const poolSources = new Map<string, Set<PoolGaugeSource>>();

/** Adds a connection pool to the tollgate.db.pool.* gauges under `name`; returns its removal. */
export function observePool(name: string, pool: PoolGaugeSource): () => void {
  const set = poolSources.get(name) ?? new Set();
  poolSources.set(name, set.add(pool));
  instruments(); // the gauges exist once the instruments do
  return () => set.delete(pool);
}

function poolGauges(meter: ReturnType<typeof metrics.getMeter>) {
  const poolConnections = meter.createObservableGauge("tollgate.db.pool.connections", { description: "Connections of the process's pools, by pool and state (in_use, idle)" });
  const poolWaiting = meter.createObservableGauge("tollgate.db.pool.waiting", { description: "Queries waiting for a connection, by pool" });
  meter.addBatchObservableCallback(
    (result) => {
      for (const [pool, set] of poolSources) {
        let total = 0;
        let idle = 0;
        let waiting = 0;
        for (const p of set) {
          total += p.totalCount;
          idle += p.idleCount;
          waiting += p.waitingCount;
        }
        result.observe(poolConnections, total - idle, { pool, state: "in_use" });
        result.observe(poolConnections, idle, { pool, state: "idle" });
        result.observe(poolWaiting, waiting, { pool });
      }
    },
    [poolConnections, poolWaiting],
  );
  return { poolConnections, poolWaiting };
}

/** What a fail-open spool reports to the gauges (one source per core with a spool). */
export type SpoolGaugeSource = () => { dir: string; backlog: number; deadLetters: number };
const spoolSources = new Set<SpoolGaugeSource>();

/** Adds a spool to the gauges; returns its removal. */
export function observeSpool(source: SpoolGaugeSource): () => void {
  spoolSources.add(source);
  instruments(); // the gauges exist once the instruments do
  return () => spoolSources.delete(source);
}

function spoolGauges(meter: ReturnType<typeof metrics.getMeter>) {
  const spoolBacklog = meter.createObservableGauge("tollgate.spool.backlog", { description: "Fail-open entries waiting to be replayed (this process)" });
  const spoolDeadLetters = meter.createObservableGauge("tollgate.spool.dead_letters", { description: "Fail-open entries that could not be applied (spool directory)" });
  meter.addBatchObservableCallback(
    (result) => {
      let backlog = 0;
      const dead = new Map<string, number>(); // instances sharing a directory see the same dead letters
      for (const source of spoolSources) {
        const s = source();
        backlog += s.backlog;
        dead.set(s.dir, s.deadLetters);
      }
      result.observe(spoolBacklog, backlog);
      result.observe(spoolDeadLetters, [...dead.values()].reduce((a, b) => a + b, 0));
    },
    [spoolBacklog, spoolDeadLetters],
  );
  return { spoolBacklog, spoolDeadLetters };
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
