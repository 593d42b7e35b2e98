// Readiness: the database answers `SELECT 1` within READY_TIMEOUT_MS (else 503, so a load
// balancer stops routing here). Also reports the fail-open spool: the backlog (costs waiting to
// be replayed, so operators can watch it drain after an outage) and the dead letters (entries
// replay could not apply, see /spool). Neither makes the instance not-ready: a backlog drains
// by itself once the database answers, and dead letters need a person, not less traffic —
// taking every instance sharing the spool directory out of rotation would turn a data problem
// into an outage. They are alerting signals (also the tollgate.spool.* gauges). No key needed.
import { dbPool } from "~/db/client.server.ts";
import { json } from "~/services/api/respond.server.ts";
import { spoolReport } from "~/services/spool.server.ts";

const READY_TIMEOUT_MS = 2000;

async function databaseAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // pg has no per-query deadline here and an unreachable host can hang a connect for minutes.
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)));
  const probe = dbPool()
    .query("SELECT 1")
    .then(() => true, () => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const loader = async () => {
  const ok = await databaseAnswers();
  const { backlog: spoolBacklog, deadLetters: spoolDeadLetters } = spoolReport(0);
  return ok
    ? json({ status: "ready", database: "ok", spoolBacklog, spoolDeadLetters })
    : json({ status: "unavailable", database: "unreachable", spoolBacklog, spoolDeadLetters }, 503);
};
