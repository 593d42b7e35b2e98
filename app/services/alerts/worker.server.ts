// The outbox worker (ADR 0006). Each round claims a few due pending events with
// FOR UPDATE SKIP LOCKED and, in the same statement, pushes their next_attempt_at one lease into
// the future and counts the attempt. The claim commits at once, so no lock is held while sending;
// the lease is what keeps other instances (and this one's next round) off an event in flight.
// If the process dies between send and mark, the lease runs out and the event is sent again:
// at-least-once, never lost. A delivered event is never claimed again, so a restart cannot
// resend it.
import type pg from "pg";
import { dbPool } from "~/db/client.server.ts";
import { getConfig } from "../config.server.ts";
import { logger } from "../logger.server.ts";

const log = logger("alerts");
import { ChannelUnusable, loadChannels, redact, secretValues } from "./channels.server.ts";
import { syncEnvChannels } from "./env-channels.server.ts";
import { sealLegacyWebhookUrls } from "./migrate-webhook-urls.server.ts";
import { enqueueDueResolves } from "./outbox.server.ts";
import type { AlertMessage } from "./message.server.ts";
import { sendToChannel } from "./senders/index.server.ts";

export const LEASE_MS = 120_000; // > the worst send of a batch (parallel sends, 10 s timeouts per step)
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 3_600_000;
const MAX_ERROR_CHARS = 500; // senders already cut a receiver's answer to 200 characters

/** Delay before attempt `attempt + 1`: 30 s, 1 min, 2 min, … capped at 1 h, ±20% jitter so a burst of failures does not retry in lockstep. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface DeliverOptions {
  now?: Date;
  limit?: number;
  pool?: pg.Pool;
  maxAttempts?: number;
}

export interface DeliverSummary {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
}

interface Claimed {
  id: string;
  channel_id: string;
  attempts: number;
  kind: string;
  payload: AlertMessage;
}

/** Claims due events (exported so tests can stage a worker that dies after claiming). */
export async function claimDueAlerts(pool: pg.Pool, now: Date, limit: number): Promise<Claimed[]> {
  const { rows } = await pool.query(
    `WITH due AS (
       SELECT id FROM alert_events
        WHERE status = 'pending' AND next_attempt_at <= $1
        ORDER BY next_attempt_at, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
     UPDATE alert_events e
        SET next_attempt_at = $1::timestamptz + make_interval(secs => $3::double precision / 1000), attempts = e.attempts + 1
       FROM due WHERE e.id = due.id
     RETURNING e.id::text, e.channel_id, e.attempts, e.kind, e.payload`,
    [now, limit, LEASE_MS],
  );
  return rows;
}

export async function deliverDueAlerts(opts: DeliverOptions = {}): Promise<DeliverSummary> {
  const pool = opts.pool ?? dbPool();
  const now = opts.now ?? new Date();
  const maxAttempts = opts.maxAttempts ?? getConfig().ALERT_MAX_ATTEMPTS;
  const claimed = await claimDueAlerts(pool, now, opts.limit ?? 10);
  const summary: DeliverSummary = { claimed: claimed.length, delivered: 0, retried: 0, dead: 0 };
  if (!claimed.length) return summary;
  const channels = await loadChannels((t, p) => pool.query(t, p), [...new Set(claimed.map((e) => e.channel_id))]);

  await Promise.all(
    claimed.map(async (e) => {
      const channel = channels.get(e.channel_id);
      // error: the detail staff read; outcome: what a tenant admin may read (ADR 0006).
      let error: string;
      let outcome: string;
      let permanent = false;
      if (!channel || channel instanceof ChannelUnusable) {
        error = outcome = channel?.message ?? "Channel not found.";
        permanent = true;
      } else if (!channel.enabled) {
        error = outcome = "Channel is disabled.";
        permanent = true;
      } else {
        // A sender bug must cost one attempt, not the whole batch (the others are already sent).
        const r = await sendToChannel(channel, e.payload).catch((err: unknown) => ({ ok: false, status: null, outcome: "send failed", detail: `send failed: ${(err as Error)?.message ?? err}` }));
        if (r.ok) {
          // Not guarded by attempts: if a slow send outlived its lease and was retried, the
          // event was still delivered.
          await pool.query(`UPDATE alert_events SET status = 'delivered', delivered_at = $2, last_error = NULL, last_outcome = NULL WHERE id = $1 AND status = 'pending'`, [e.id, new Date()]);
          summary.delivered++;
          return;
        }
        error = redact(r.detail || "no answer", secretValues(channel)).slice(0, MAX_ERROR_CHARS);
        outcome = r.outcome;
      }
      const dead = permanent || e.attempts >= maxAttempts;
      const label = channel instanceof ChannelUnusable || !channel ? e.channel_id : `${channel.type} channel "${channel.name}"`;
      // Guarded by attempts: a stale worker (its lease ran out, someone else claimed the event) must not overwrite the newer attempt's state.
      const { rowCount } = dead
        ? await pool.query(`UPDATE alert_events SET status = 'dead', last_error = $3, last_outcome = $4 WHERE id = $1 AND attempts = $2 AND status = 'pending'`, [e.id, e.attempts, error, outcome])
        : await pool.query(`UPDATE alert_events SET next_attempt_at = $3, last_error = $4, last_outcome = $5 WHERE id = $1 AND attempts = $2 AND status = 'pending'`, [
            e.id, e.attempts, new Date(now.getTime() + retryDelayMs(e.attempts)), error, outcome,
          ]);
      if (!rowCount) return;
      if (dead) {
        summary.dead++;
        // `error` has the channel's secrets redacted (redact above).
        log.error({ event: String(e.id), kind: e.kind, attempts: e.attempts }, `event ${e.id} (${e.kind}) to ${label} dead after ${e.attempts} attempt(s): ${error}`);
      } else {
        summary.retried++;
        log.warn({ event: String(e.id), kind: e.kind, attempts: e.attempts }, `event ${e.id} (${e.kind}) to ${label} failed, attempt ${e.attempts}/${maxAttempts}: ${error}`);
      }
    }),
  );
  return summary;
}

/** Materializes env channels, then delivers due events every ALERT_WORKER_INTERVAL_SECONDS. */
export function startAlertWorker(): () => void {
  const config = getConfig();
  let running = false;
  let stopped = false;
  let resolvesCheckedAt = 0;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      // Period roll-overs are coarse: once a minute is plenty for this scan.
      if (Date.now() - resolvesCheckedAt >= 60_000) {
        const pool = dbPool();
        await enqueueDueResolves((t, p) => pool.query(t, p));
        resolvesCheckedAt = Date.now();
      }
      // Drain: keep going while rounds come back full.
      for (let round = 0; round < 100 && !stopped; round++) {
        const s = await deliverDueAlerts({ limit: 10 });
        if (s.claimed < 10) break;
      }
    } catch (e) {
      log.error({ err: e }, "delivery round failed");
    } finally {
      running = false;
    }
  };
  // Legacy webhook URLs are sealed first, so the env sync and every round see migrated rows.
  sealLegacyWebhookUrls(dbPool())
    .catch((e) => log.error({ err: e }, "webhook URLs not migrated"))
    .then(() => syncEnvChannels(dbPool(), config))
    .catch((e) => log.error({ err: e }, "env channels not applied"));
  const timer = setInterval(tick, config.ALERT_WORKER_INTERVAL_SECONDS * 1000);
  timer.unref();
  // Every instance runs a worker (claims keep them apart): this line says this one does.
  log.info({ intervalSeconds: config.ALERT_WORKER_INTERVAL_SECONDS }, `alert worker started: delivering every ${config.ALERT_WORKER_INTERVAL_SECONDS} s`);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
