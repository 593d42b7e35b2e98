// Runs the analysis in the server every ANALYSIS_INTERVAL_HOURS (0 disables it; `npm run analyze`
// still works). The first run comes shortly after start, so a fresh server has forecasts without
// waiting hours. Failures are logged and the next run tries again. Several instances run it
// once between them: the job's advisory lock keeps runs from overlapping, and a scheduled run
// skips when any instance finished one within half the interval (instances start at different
// times, so their timers do not line up; half, so an instance's own next tick, an interval after
// its start, is never taken for "recent"). Each tick logs what it did, a skip included.
import { getConfig } from "../config.server.ts";
import { logger } from "../logger.server.ts";
import { runAnalysis, type AnalysisOptions } from "./job.server.ts";

const log = logger("analysis");

const FIRST_RUN_DELAY_MS = 15_000;

export function startAnalysisSchedule(opts: { intervalHours?: number; firstRunDelayMs?: number; job?: AnalysisOptions } = {}): () => void {
  const hours = opts.intervalHours ?? getConfig().ANALYSIS_INTERVAL_HOURS;
  if (hours <= 0) return () => {};
  let stopped = false;
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (stopped || running) return;
    running = runAnalysis({ skipIfRanWithinMs: (hours * 3_600_000) / 2, ...opts.job })
      .then((s) => {
        if (s.skipped?.reason === "locked") log.info({ skipped: "locked" }, "skipped: another instance is running the analysis");
        if (s.skipped?.reason === "recent") {
          log.info({ skipped: "recent", lastRunSecondsAgo: s.skipped.lastRunSecondsAgo }, `skipped: another run finished ${s.skipped.lastRunSecondsAgo} s ago`);
        }
        if (s.ran) {
          log.info(
            {
              newFindings: s.anomalies.new, forecasts: s.forecasts.written, breaches: s.forecasts.breaches, alerts: s.alertsEnqueued,
              prunedUserRows: s.pruned.deleted, keptUserRows: s.pruned.kept, durationMs: s.durationMs,
            },
            `${s.anomalies.new} new findings, ${s.forecasts.written} forecasts (${s.forecasts.breaches} breaches predicted), ${s.alertsEnqueued} alerts, ` +
              `${s.pruned.deleted} old per-user usage rows pruned in ${s.durationMs} ms`,
          );
        }
      })
      .catch((e) => log.error({ err: e }, "analysis run failed"))
      .finally(() => (running = null));
  };
  const first = setTimeout(tick, opts.firstRunDelayMs ?? FIRST_RUN_DELAY_MS);
  const every = setInterval(tick, hours * 3_600_000);
  // Background timers must not keep a finishing process (tests, scripts) alive.
  first.unref();
  every.unref();
  return () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(every);
  };
}
