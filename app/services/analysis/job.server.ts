// The analysis job (SPEC §7): reads the rollups, quota usage, the recent hours of the ledger and
// the sandbox runs of 30 days, stores anomaly findings, forecasts and sandbox TTL advice, and
// enqueues alerts for new findings and predicted breaches. One instance at a time: a session
// advisory lock, taken with try, so a second instance (another server, `npm run analyze`) skips
// instead of queueing up. The lock alone only keeps runs from overlapping: every server runs the
// schedule, each from its own start, so the scheduled run also skips when any instance finished
// one recently (`skipIfRanWithinMs`, read under the lock from the `settings` row each run writes
// with the database's clock). After the analysis it prunes old periods' per-user usage rows
// (usage-prune.server.ts): periodic maintenance that must also run once per interval.
import type pg from "pg";
import { money, toDb } from "~/core/money.ts";
import { dbSessionPool } from "~/db/client.server.ts";
import { transactionOn } from "~/db/transaction.server.ts";
import { getConfig } from "../config.server.ts";
import { appInstruments } from "../metrics.server.ts";
import { pruneUserUsage, type PruneSummary } from "../usage-prune.server.ts";
import { enqueueAlerts } from "../alerts/outbox.server.ts";
import { anomalyTrigger, forecastTrigger } from "./alerts.server.ts";
import { BASELINE_DAYS } from "./anomalies.ts";
import { findDaily, findHourly, HOURLY_HISTORY_DAYS, type Finding } from "./findings.ts";
import { forecastPeriod, HISTORY_DAYS, type ForecastResult } from "./forecast.ts";
import { HOUR_MS, readDailySeries, readHourly, readQuotas } from "./inputs.server.ts";
import { currentPeriod, forecastHistory, isoDay, quotaDailySpend } from "./spend-series.server.ts";
import { replaceTtlAdvice } from "./ttl-advice-store.server.ts";
import { computeTtlAdvice, TTL_WINDOW_DAYS, ttlWindow } from "./ttl-advice.server.ts";

/** Completed days re-judged on every run (a backfill can change them); older findings stay as they are. */
export const LOOKBACK_DAYS = 60;
/** Findings on days older than this are stored but not alerted (a first run finds months-old spikes). */
const ALERT_RECENT_DAYS = 2;
const LOCK_KEY = "tollgate:analysis";
/** The `settings` row every completed run writes (updated_at: the database's commit-time clock). */
export const LAST_RUN_KEY = "analysis_last_run";
const DAY_MS = 86_400_000;

export interface AnalysisSummary {
  /** false: nothing was done — another instance holds the lock, or one ran recently (`skipped`). */
  ran: boolean;
  skipped?: { reason: "locked" } | { reason: "recent"; lastRunSecondsAgo: number };
  anomalies: { daily: number; hourly: number; new: number };
  forecasts: { written: number; breaches: number };
  /** The stored TTL advice: tenant × touchpoint pairs, those with a recommended TTL, their projected saving (NUMERIC text). */
  ttlAdvice: { pairs: number; recommended: number; monthlySavingUsd: string };
  alertsEnqueued: number;
  /** Old periods' per-user usage rows deleted after the analysis (ADR 0016). */
  pruned: Omit<PruneSummary, "durationMs">;
  durationMs: number;
}

export interface AnalysisOptions {
  now?: Date;
  pool?: pg.Pool;
  sensitivity?: number;
  progress?: (message: string) => void;
  /**
   * Skip when any instance completed a run less than this long ago (the schedule passes half its
   * interval). Unset — `npm run analyze`, the API — always runs.
   */
  skipIfRanWithinMs?: number;
  /** Per-user usage rows: periods kept before the current one (default USER_USAGE_KEEP_PERIODS). */
  keepUserPeriods?: number;
}

export async function runAnalysis(opts: AnalysisOptions = {}): Promise<AnalysisSummary> {
  const started = Date.now();
  const timed = (outcome: string) => appInstruments().analysisDuration.record((Date.now() - started) / 1000, { outcome });
  try {
    const summary = await runAnalysisLocked(opts, started);
    timed(summary.ran ? "ran" : "skipped");
    return summary;
  } catch (e) {
    timed("failed");
    throw e;
  }
}

async function runAnalysisLocked(opts: AnalysisOptions, started: number): Promise<AnalysisSummary> {
  const now = opts.now ?? new Date();
  const sensitivity = opts.sensitivity ?? getConfig().ANOMALY_SENSITIVITY;
  const progress = opts.progress ?? (() => {});
  const summary: AnalysisSummary = {
    ran: false, anomalies: { daily: 0, hourly: 0, new: 0 }, forecasts: { written: 0, breaches: 0 },
    ttlAdvice: { pairs: 0, recommended: 0, monthlySavingUsd: toDb(money(0)) }, alertsEnqueued: 0,
    pruned: { deleted: 0, batches: 0, kept: 0 }, durationMs: 0,
  };
  // One session for the lock and the work: DATABASE_DIRECT_URL behind a transaction pooler.
  const client = await (opts.pool ?? dbSessionPool()).connect();
  try {
    const { rows } = await client.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [LOCK_KEY]);
    if (!rows[0].locked) {
      progress("another instance is running the analysis; skipped");
      return { ...summary, skipped: { reason: "locked" }, durationMs: Date.now() - started };
    }
    try {
      if (opts.skipIfRanWithinMs !== undefined) {
        const recent = await lastRunSecondsAgo(client);
        if (recent !== null && recent * 1000 < opts.skipIfRanWithinMs) {
          progress(`another run finished ${recent} s ago; skipped`);
          return { ...summary, skipped: { reason: "recent", lastRunSecondsAgo: recent }, durationMs: Date.now() - started };
        }
      }
      summary.ran = true;
      await analyze(client, now, sensitivity, progress, summary);
      // After the analysis committed, in batches of their own (never one long transaction).
      const { durationMs: _ms, ...pruned } = await pruneUserUsage(client, {
        now, keepPeriods: opts.keepUserPeriods ?? getConfig().USER_USAGE_KEEP_PERIODS, progress,
      });
      summary.pruned = pruned;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [LOCK_KEY]);
    }
    return { ...summary, durationMs: Date.now() - started };
  } finally {
    client.release();
  }
}

async function analyze(client: pg.PoolClient, now: Date, sensitivity: number, progress: (m: string) => void, summary: AnalysisSummary) {
  const today = new Date(Date.parse(isoDay(now)));
  const series = await readDailySeries(client, new Date(today.getTime() - (LOOKBACK_DAYS + BASELINE_DAYS) * DAY_MS), today);
  const daily = findDaily(series, { evaluateFrom: isoDay(today.getTime() - LOOKBACK_DAYS * DAY_MS), sensitivity });
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const hourly = await readHourly(client, new Date(currentHour - (HOURLY_HISTORY_DAYS + 1) * DAY_MS), new Date(currentHour));
  const spikes = findHourly(series, hourly, { currentHour, sensitivity });
  summary.anomalies.daily = daily.length;
  summary.anomalies.hourly = spikes.length;
  progress(`anomalies: ${series.length} tenant × resource series, ${daily.length} daily findings (last ${LOOKBACK_DAYS} days), ${spikes.length} hourly spikes (last 24 h)`);

  const forecasts = await computeForecasts(client, now, sensitivity);
  summary.forecasts.written = forecasts.length;
  summary.forecasts.breaches = forecasts.filter((f) => f.breachAt).length;
  progress(`forecasts: ${forecasts.length} quotas, ${summary.forecasts.breaches} predicted to reach their limit this period`);

  const ttlAdvice = await computeTtlAdvice(client, { now });
  summary.ttlAdvice = {
    pairs: ttlAdvice.length,
    recommended: ttlAdvice.filter((a) => a.recommendedTtlSeconds !== null).length,
    monthlySavingUsd: toDb(ttlAdvice.reduce((sum, a) => sum.add(a.projectedMonthlySavingUsd), money(0))),
  };
  progress(
    `TTL advice: ${summary.ttlAdvice.pairs} tenant × touchpoint pairs with sandbox runs in the last ${TTL_WINDOW_DAYS} days, ` +
      `${summary.ttlAdvice.recommended} with a recommended TTL, $${money(summary.ttlAdvice.monthlySavingUsd).toFixed(2)}/month projected saving`,
  );

  // Findings, forecasts, TTL advice and the alerts commit together: no stored finding without its
  // alert, and a page reads the previous TTL advice or this run's, never half of one.
  const q = (text: string, params?: unknown[]) => client.query(text, params);
  await transactionOn(client, async () => {
    const alertFrom = isoDay(today.getTime() - (ALERT_RECENT_DAYS - 1) * DAY_MS);
    for (const f of [...daily, ...spikes]) {
      const stored = await upsertFinding(client, f);
      if (!stored.inserted) continue;
      summary.anomalies.new++;
      if (f.day >= alertFrom) summary.alertsEnqueued += await enqueueAlerts(q, anomalyTrigger({ ...f, id: stored.id }, f.key), now);
    }
    for (const f of forecasts) {
      await upsertForecast(client, f, now);
      if (f.breachAt && money(f.spentUsd).lt(f.quota.limitUsd)) {
        summary.alertsEnqueued += await enqueueAlerts(q, forecastTrigger(f.quota, { ...f, breachAt: f.breachAt }), now);
      }
    }
    const window = ttlWindow(now);
    await replaceTtlAdvice(client, ttlAdvice, { computedAt: now, windowFrom: window.from, windowTo: window.to });
    await client.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [LAST_RUN_KEY, JSON.stringify({ now: now.toISOString(), newFindings: summary.anomalies.new, forecasts: forecasts.length })],
    );
  });
  progress(`stored: ${summary.anomalies.new} new findings, ${forecasts.length} forecasts, ${ttlAdvice.length} TTL advice rows; ${summary.alertsEnqueued} alerts enqueued`);
}

/** Whole seconds since the last completed run, by the database's clock (the same for every instance); null: none yet. */
async function lastRunSecondsAgo(client: pg.PoolClient): Promise<number | null> {
  const { rows } = await client.query(`SELECT floor(extract(epoch FROM now() - updated_at))::int AS ago FROM settings WHERE key = $1`, [LAST_RUN_KEY]);
  return rows[0]?.ago ?? null;
}

/** A re-run updates the numbers of an existing finding but never its status (acknowledged stays acknowledged). */
async function upsertFinding(client: pg.PoolClient, f: Finding): Promise<{ id: string; inserted: boolean }> {
  const { rows } = await client.query(
    `INSERT INTO anomaly_findings (tenant_id, resource, day, hour, actual_usd, expected_usd, score, severity)
     VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id, resource, day, hour) DO UPDATE
       SET actual_usd = EXCLUDED.actual_usd, expected_usd = EXCLUDED.expected_usd, score = EXCLUDED.score, severity = EXCLUDED.severity
     RETURNING id, (xmax = 0) AS inserted`,
    [f.key.tenantId, f.key.resource, f.day, f.hour ?? -1, usdText(f.actual), usdText(f.expected), round(f.score, 4), f.severity],
  );
  return rows[0];
}

type ComputedForecast = Awaited<ReturnType<typeof computeForecasts>>[number];

async function computeForecasts(client: pg.PoolClient, now: Date, sensitivity: number) {
  const today = new Date(Date.parse(isoDay(now)));
  const historyFrom = new Date(today.getTime() - HISTORY_DAYS * DAY_MS);
  const out = [];
  for (const quota of await readQuotas(client, now)) {
    const { start, end } = currentPeriod(quota.period, now);
    const from = start < historyFrom ? start : historyFrom;
    const days = await quotaDailySpend(client, quota, from, new Date(today.getTime() + DAY_MS));
    const spent = quota.usageSpentUsd !== null
      ? money(quota.usageSpentUsd)
      : days.filter((d) => d.day >= isoDay(start)).reduce((s, d) => s.add(d.usd), money(0));
    const history = forecastHistory(days, today, HISTORY_DAYS);
    const r = forecastPeriod({ now, periodStart: start, periodEnd: end, limitUsd: money(quota.limitUsd), spentUsd: spent, history, sensitivity });
    out.push({
      quota, periodStart: start, spentUsd: toDb(spent),
      forecastUsd: toDb(r.forecastUsd), lowUsd: toDb(r.lowUsd), highUsd: toDb(r.highUsd), breachAt: r.breachAt,
      rateBasis: rateBasis(r),
    });
  }
  return out;
}

/** What the chart says about the rate: the days it was drawn from and the days left out, and why. */
export interface RateBasis {
  rateFrom: string | null;
  dailyRateUsd: number;
  excluded: { day: string; actualUsd: number; expectedUsd: number; reason: "anomaly" }[];
  newLevelFrom: string | null;
  shortHistory: boolean;
}

function rateBasis(r: ForecastResult): RateBasis {
  return {
    rateFrom: r.rateFrom,
    dailyRateUsd: round(r.dailyRateUsd, 6),
    excluded: r.excluded.map((e) => ({ ...e, actualUsd: round(e.actualUsd, 6), expectedUsd: round(e.expectedUsd, 6) })),
    newLevelFrom: r.newLevelFrom,
    shortHistory: r.shortHistory,
  };
}

async function upsertForecast(client: pg.PoolClient, f: ComputedForecast, now: Date) {
  await client.query(
    `INSERT INTO forecasts (quota_id, period_start, spent_usd, limit_usd, forecast_usd, low_usd, high_usd, breach_at, computed_at, rate_basis)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
     ON CONFLICT (quota_id, period_start) DO UPDATE
       SET spent_usd = EXCLUDED.spent_usd, limit_usd = EXCLUDED.limit_usd, forecast_usd = EXCLUDED.forecast_usd,
           low_usd = EXCLUDED.low_usd, high_usd = EXCLUDED.high_usd, breach_at = EXCLUDED.breach_at, computed_at = EXCLUDED.computed_at,
           rate_basis = EXCLUDED.rate_basis`,
    [f.quota.id, f.periodStart, f.spentUsd, f.quota.limitUsd, f.forecastUsd, f.lowUsd, f.highUsd, f.breachAt, now, JSON.stringify(f.rateBasis)],
  );
}

const usdText = (x: number) => toDb(money(x.toFixed(10)));
const round = (x: number, digits: number) => Number(x.toFixed(digits));
