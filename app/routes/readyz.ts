// Readiness: the database answers `SELECT 1` within READY_TIMEOUT_MS (else 503, so a load
// balancer stops routing here); also reports the fail-open spool backlog (costs waiting to be
// replayed), so operators can watch it drain after an outage. No key needed.
import { dbPool } from "~/db/client.server.ts";
import { json } from "~/services/api/respond.server.ts";
import { tollgate } from "~/services/tollgate.server.ts";

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
  const spoolBacklog = tollgate().spoolBacklog();
  return ok
    ? json({ status: "ready", database: "ok", spoolBacklog })
    : json({ status: "unavailable", database: "unreachable", spoolBacklog }, 503);
};
