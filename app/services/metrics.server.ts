// The app's own instruments (the core's are in core/telemetry.ts), through @opentelemetry/api:
// no-ops unless the server registered an SDK (scripts/lib/otel.ts).
// - tollgate.alerts.outbox (pending, dead) and tollgate.alerts.outbox.oldest_age: how far alert
//   delivery lags. Read from the database at each collection, so only one process per server
//   reports them (the one running the shared background work, startBackgroundWork), and a
//   scrape of every process does not count the outbox twice.
// - tollgate.analysis.duration: each analysis run (services/analysis/job.server.ts).
import { metrics } from "@opentelemetry/api";
import { dbPool } from "~/db/client.server.ts";

// Meters are not proxies (core/telemetry.ts): re-created when the global provider changes.
let provider: unknown;
let current: ReturnType<typeof createInstruments>;
function createInstruments() {
  const meter = metrics.getMeter("tollgate.app", "0.1.0");
  return {
    meter,
    analysisDuration: meter.createHistogram("tollgate.analysis.duration", {
      unit: "s",
      description: "Analysis runs (anomalies, forecasts, TTL advice), by outcome (ran, skipped: another instance held the lock, failed)",
      advice: { explicitBucketBoundaries: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] },
    }),
  };
}
export function appInstruments() {
  const p = metrics.getMeterProvider();
  if (p !== provider) {
    provider = p;
    current = createInstruments();
  }
  return current;
}

/** Alert outbox gauges; call in the one process that runs the shared background work. Returns the removal. */
export function observeAlertOutbox(): () => void {
  const { meter } = appInstruments();
  const depth = meter.createObservableGauge("tollgate.alerts.outbox", { description: "Alert events by status: pending (waiting for delivery or a retry) and dead (gave up)" });
  const oldest = meter.createObservableGauge("tollgate.alerts.outbox.oldest_age", { unit: "s", description: "Age of the oldest pending alert event (0 when none)" });
  const callback = async (result: import("@opentelemetry/api").BatchObservableResult) => {
    // Uses the (status, next_attempt_at) index: pending and dead rows are few, delivered ones many.
    const { rows } = await dbPool().query<{ pending: number; dead: number; age: number }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'dead')::int AS dead,
              coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)::float8 AS age
         FROM alert_events WHERE status IN ('pending', 'dead')`,
    );
    result.observe(depth, rows[0].pending, { status: "pending" });
    result.observe(depth, rows[0].dead, { status: "dead" });
    result.observe(oldest, rows[0].age);
  };
  meter.addBatchObservableCallback(callback, [depth, oldest]);
  return () => meter.removeBatchObservableCallback(callback, [depth, oldest]);
}
