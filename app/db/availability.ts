// "The database is not answering" across our two clients: pg errors (the core's own test) and
// Prisma's connection error codes. Used to answer 503 instead of 500 outside the core.
import { isUnavailable } from "../core/db.ts";

// P1001 can't reach, P1002 timed out, P1008 operation timed out, P1017 server closed the
// connection, P2024 timed out fetching a connection from the pool.
const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

export function isDatabaseUnavailable(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: unknown } | null;
  if (!err) return false;
  if (typeof err.code === "string" && PRISMA_UNAVAILABLE.has(err.code)) return true;
  return isUnavailable(e) || (err.cause !== undefined && isUnavailable(err.cause));
}
