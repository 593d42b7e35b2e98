// Runs the analysis in the server every ANALYSIS_INTERVAL_HOURS (0 disables it; `npm run analyze`
// still works). The first run comes shortly after start, so a fresh server has forecasts without
// waiting hours. Failures are logged and the next run tries again; several instances are safe
// (the job's advisory lock makes all but one skip).
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
    running = runAnalysis(opts.job)
      .then((s) => {
        if (s.ran) {
          log.info(
            { newFindings: s.anomalies.new, forecasts: s.forecasts.written, breaches: s.forecasts.breaches, alerts: s.alertsEnqueued, durationMs: s.durationMs },
            `${s.anomalies.new} new findings, ${s.forecasts.written} forecasts (${s.forecasts.breaches} breaches predicted), ${s.alertsEnqueued} alerts in ${s.durationMs} ms`,
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
