// Login throttling: at most 5 failed sign-ins per (email, IP) in a sliding 15-minute window.
// Keying on the pair (not the email alone) means an attacker cannot lock a real user out from
// another address, while one address still gets only 5 guesses per account per window.
import { dbPool } from "~/db/client.server.ts";

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export interface AttemptKey {
  email: string;
  ip: string;
}

export type Throttled<T> = { throttled: true; retryAfterSeconds: number } | { throttled: false; value: T };

/**
 * Runs `attempt` unless (email, ip) is throttled, and records its outcome in login_attempts.
 *
 * Check, attempt and record happen under a transaction-scoped advisory lock on the pair:
 * without it, N parallel requests would all pass the check before any failure is recorded
 * and an attacker would get N guesses instead of 5.
 *
 * A refused (throttled) attempt is not recorded: the password is never checked, so it tells
 * the caller nothing, and not counting it keeps "try again in N minutes" truthful.
 */
export async function withLoginThrottle<T>(
  key: AttemptKey,
  attempt: () => Promise<{ success: boolean; value: T }>,
  now: () => Date = () => new Date(),
): Promise<Throttled<T>> {
  const client = await dbPool().connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL lock_timeout = '10s'");
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`login:${key.email}\n${key.ip}`]);
    const retryAfterSeconds = await secondsUntilAllowed(client, key, now());
    if (retryAfterSeconds > 0) {
      await client.query("COMMIT");
      return { throttled: true, retryAfterSeconds };
    }
    const result = await attempt();
    await client.query("INSERT INTO login_attempts (email, ip, success, created_at) VALUES ($1, $2, $3, $4)", [
      key.email,
      key.ip,
      result.success,
      now(),
    ]);
    await client.query("COMMIT");
    return { throttled: false, value: result.value };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

type Queryable = { query: (sql: string, params: unknown[]) => Promise<{ rows: any[] }> };

/**
 * 0 when a new attempt may proceed; otherwise the seconds until the 5th most recent failure
 * leaves the window. Failures before the pair's last success do not count: a user who
 * mistyped twice and then signed in starts afresh.
 */
export async function secondsUntilAllowed(q: Queryable, key: AttemptKey, now: Date): Promise<number> {
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  const { rows } = await q.query(
    `SELECT created_at FROM login_attempts a
      WHERE a.email = $1 AND a.ip = $2 AND NOT a.success AND a.created_at > $3 AND a.created_at <= $4
        AND a.created_at > coalesce((SELECT max(s.created_at) FROM login_attempts s
                                      WHERE s.email = $1 AND s.ip = $2 AND s.success), '-infinity')
      ORDER BY a.created_at DESC
      LIMIT ${MAX_FAILURES}`,
    [key.email, key.ip, windowStart, now],
  );
  if (rows.length < MAX_FAILURES) return 0;
  const oldest: Date = rows[MAX_FAILURES - 1].created_at;
  return Math.max(1, Math.ceil((oldest.getTime() + WINDOW_MS - now.getTime()) / 1000));
}

/** "Try again in 12 minutes." — rounded up so the user never retries too early. */
export function throttleMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many failed sign-in attempts. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
