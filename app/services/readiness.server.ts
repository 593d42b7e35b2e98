// Readiness (/readyz): the database answers `SELECT 1` within READY_TIMEOUT_MS, plus the fail-open
// spool's backlog and dead letters. Neither spool figure makes the instance not-ready: a backlog
// drains by itself once the database answers, and dead letters need a person, not less traffic —
// taking every instance sharing the spool directory out of rotation would turn a data problem
// into an outage. They are alerting signals (also the tollgate.spool.* gauges).
import type pg from "pg";
import { dbPool } from "~/db/client.server.ts";
import { cacheFeed } from "./api/cache-listener.server.ts";
import { spoolReport } from "./spool.server.ts";

const READY_TIMEOUT_MS = 2000;

export async function databaseAnswers(pool: pg.Pool = dbPool(), timeoutMs = READY_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // pg has no per-query deadline here and an unreachable host can hang a connect for minutes.
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const probe = pool.query("SELECT 1").then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness() {
  const ready = await databaseAnswers();
  const { backlog: spoolBacklog, deadLetters: spoolDeadLetters } = spoolReport(0);
  // Not a readiness condition either: without the listener keys are simply looked up per request.
  const cacheListener = cacheFeed.listening ? ("listening" as const) : ("connecting" as const);
  return { ready, spoolBacklog, spoolDeadLetters, cacheListener };
}
