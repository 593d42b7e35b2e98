// `npm run analyze`: runs the analysis once (anomalies, forecasts, TTL advice, alerts) and
// prints a line per step and a summary. Works while the app is running: with the embedded
// database it connects to the running instance; the job's advisory lock keeps it from running
// twice at once with the server's own schedule.
import { createPool } from "../app/db/client.server.ts";
import { runAnalysis } from "../app/services/analysis/job.server.ts";
import { money } from "../app/core/money.ts";
import { loadConfigOrExit, prepareDatabase } from "./lib/boot.ts";

if (process.argv.slice(2).some((a) => a === "-h" || a === "--help")) {
  console.log(`Usage: npm run analyze

Runs the analysis once against DATABASE_URL (or the embedded database of \`npm start\`):
daily and hourly anomaly findings, forecasts of every enabled quota, sandbox TTL advice (what
the cost-optimization and tenant pages show), and alerts for new findings and predicted
breaches; then deletes per-user default usage rows of periods older than
USER_USAGE_KEEP_PERIODS. The server also runs it every ANALYSIS_INTERVAL_HOURS.`);
  process.exit(0);
}

const step = (m: string) => console.log(`[analyze] ${m}`);
const config = loadConfigOrExit();
const database = await prepareDatabase(config, { progress: step });
const pool = createPool(database.url, 2);
let exitCode = 0;
try {
  step(`running (sensitivity ${config.ANOMALY_SENSITIVITY})`);
  const s = await runAnalysis({ pool, sensitivity: config.ANOMALY_SENSITIVITY, progress: step });
  if (!s.ran) {
    console.log("Another instance is running the analysis right now; nothing was done. Try again in a moment.");
    exitCode = 2;
  } else {
    console.log(`
Analysis done in ${(s.durationMs / 1000).toFixed(1)} s:
  anomalies   ${s.anomalies.daily} daily (last 60 days), ${s.anomalies.hourly} hourly (last 24 h), ${s.anomalies.new} new
  forecasts   ${s.forecasts.written} quotas, ${s.forecasts.breaches} predicted to reach their limit this period
  TTL advice  ${s.ttlAdvice.recommended} recommended TTLs, $${money(s.ttlAdvice.monthlySavingUsd).toFixed(2)}/month projected saving
  alerts      ${s.alertsEnqueued} enqueued
  pruned      ${s.pruned.deleted} per-user usage rows of old periods${s.pruned.kept ? ` (${s.pruned.kept} kept for open holds)` : ""}`);
  }
} catch (e) {
  console.error(`analyze: ${(e as Error).message}`);
  exitCode = 1;
} finally {
  await pool.end();
  await database.release();
}
process.exit(exitCode);
