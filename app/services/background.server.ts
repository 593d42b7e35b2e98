// Everything the server runs in-process besides answering requests, started once by
// scripts/serve.ts through the build (so it shares the routes' module instances: one pool, one
// core). Each part returns its own stop function; the server calls the combined one on shutdown.
// With several server processes (WEB_CONCURRENCY) one runs startBackgroundWork and the others
// startOwnWork: the sweeper, alert worker and analysis are safe to run twice (SKIP LOCKED, an
// advisory lock), but there is no reason to.
import { startAlertWorker } from "./alerts/worker.server.ts";
import { startAnalysisSchedule } from "./analysis/schedule.server.ts";
import { startBackgroundWork as startSweeper, startSpoolReplay } from "./tollgate.server.ts";
import { observeAlertOutbox } from "./metrics.server.ts";

let stopAll: (() => void) | undefined;

export function startBackgroundWork(): () => void {
  if (stopAll) return stopAll;
  const stops = [
    // Expires stale holds (and replays the fail-open spool).
    startSweeper(),
    // Delivers the alert outbox (and materializes COST_ALERT_* channels).
    startAlertWorker(),
    // Anomalies and forecasts every ANALYSIS_INTERVAL_HOURS (SPEC §7).
    startAnalysisSchedule(),
    // The outbox gauges: shared state, so reported by this one process (metrics.server.ts).
    observeAlertOutbox(),
  ];
  stopAll = () => {
    for (const stop of stops) stop();
    stopAll = undefined;
  };
  return stopAll;
}

/**
 * What every server process runs even when another one does the shared work above: replaying
 * its own fail-open spool (a live process's spool belongs to it until it exits).
 */
export function startOwnWork(): () => void {
  return startSpoolReplay();
}
