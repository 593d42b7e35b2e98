// Login throttling: failed sign-ins in a sliding 15-minute window, counted three ways.
// - per (account, address): 5. One address gets 5 guesses per account; an attacker elsewhere
//   cannot lock a real user out with this limit alone.
// - per account, from all addresses: 20. Guessing one account's password from many
//   addresses (a botnet) gets 20 guesses per window in total, not 5 per address.
// - per address, over all accounts: 30. Password spraying (one common password against many
//   accounts) from one address stops after 30 tries instead of never.
// An "address" is an IPv4 address or an IPv6 /64: one IPv6 host usually owns a whole /64 and
// could otherwise rotate through 2^64 addresses. Behind a reverse proxy every client shares the
// proxy's address unless TRUST_PROXY lets the server read X-Forwarded-For (config.server.ts).
// Attempts live in PostgreSQL (login_attempts), so the limits hold across app instances; rows
// older than the window are pruned as new attempts are written, so the table stays bounded.
import ipaddr from "ipaddr.js";
import type { Queryable } from "~/db/rows.ts";
import { withTransaction } from "~/db/transaction.server.ts";

export const WINDOW_MS = 15 * 60 * 1000;
/** Failures per (account, address) — the historical limit, kept as the tightest. */
export const MAX_FAILURES = 5;
export const MAX_ACCOUNT_FAILURES = 20;
export const MAX_ADDRESS_FAILURES = 30;
/** Old rows deleted per write: bounded work per sign-in, still far faster than rows arrive. */
export const PRUNE_BATCH = 100;

export interface AttemptKey {
  email: string;
  ip: string;
}

export type Throttled<T> = { throttled: true; retryAfterSeconds: number } | { throttled: false; value: T };

/** IPv4 (also IPv4-mapped IPv6) → the address; IPv6 → its /64; anything else as given. */
export function addressGroup(ip: string): string {
  const bare = ip.replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return ip;
  const a = ipaddr.process(bare);
  if (a.kind() === "ipv4") return a.toString();
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
}

/**
 * Runs `attempt` unless the key is throttled, and records its outcome in login_attempts.
 *
 * Check, attempt and record happen under transaction-scoped advisory locks on the account and
 * on the address (taken in a fixed order, so two sign-ins never wait on each other in a
 * cycle): without them, N parallel requests would all pass the check before any failure is
 * recorded and an attacker would get N guesses instead of 5.
 *
 * A refused (throttled) attempt is not recorded: the password is never checked, so it tells
 * the caller nothing, and not counting it keeps "try again in N minutes" truthful. Unknown and
 * existing accounts are counted and refused alike, so the answer reveals nothing about which
 * accounts exist.
 */
export async function withLoginThrottle<T>(
  key: AttemptKey,
  attempt: () => Promise<{ success: boolean; value: T }>,
  now: () => Date = () => new Date(),
): Promise<Throttled<T>> {
  const group = addressGroup(key.ip);
  return withTransaction(async (tx): Promise<Throttled<T>> => {
    await tx.query("SET LOCAL lock_timeout = '10s'");
    for (const lock of [`login:account:${key.email}`, `login:address:${group}`].sort()) {
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [lock]);
    }
    const retryAfterSeconds = await secondsUntilAllowed(tx, key, now());
    if (retryAfterSeconds > 0) return { throttled: true, retryAfterSeconds };
    const result = await attempt();
    const at = now();
    await tx.query(
      "INSERT INTO login_attempts (email, ip, ip_group, success, created_at) VALUES ($1, $2, $3, $4, $5)",
      [key.email, key.ip, group, result.success, at],
    );
    await pruneAttempts(tx, at);
    return { throttled: false, value: result.value };
  });
}

/** Deletes up to PRUNE_BATCH attempts that have left the window (nothing reads them). */
export async function pruneAttempts(q: Queryable, now: Date): Promise<number> {
  const r = await q.query(
    `DELETE FROM login_attempts WHERE id IN (
       SELECT id FROM login_attempts WHERE created_at <= $1 ORDER BY created_at LIMIT ${PRUNE_BATCH})`,
    [new Date(now.getTime() - WINDOW_MS)],
  );
  return r.rowCount ?? 0;
}

/**
 * The three limits. `resetBy` says which earlier success wipes the count: a success on the
 * same pair or account shows the person knows the password. Never for the address: an
 * attacker signing in to an account of their own would otherwise reset their spraying count.
 */
const SCOPES: { max: number; match: (t: string) => string; resetBySuccess: boolean }[] = [
  { max: MAX_FAILURES, match: (t) => `${t}.email = k.email AND ${t}.ip_group = k.ip_group`, resetBySuccess: true },
  { max: MAX_ACCOUNT_FAILURES, match: (t) => `${t}.email = k.email`, resetBySuccess: true },
  { max: MAX_ADDRESS_FAILURES, match: (t) => `${t}.ip_group = k.ip_group`, resetBySuccess: false },
];

/**
 * 0 when a new attempt may proceed; otherwise the seconds until enough counted failures leave
 * the window for every limit to allow one more.
 */
export async function secondsUntilAllowed(q: Queryable, key: AttemptKey, now: Date): Promise<number> {
  const params = [key.email, addressGroup(key.ip), new Date(now.getTime() - WINDOW_MS), now];
  let wait = 0;
  for (const scope of SCOPES) {
    const reset = scope.resetBySuccess
      ? `AND a.created_at > coalesce((SELECT max(s.created_at) FROM login_attempts s
                                       WHERE ${scope.match("s")} AND s.success
                                         AND s.created_at > k.since AND s.created_at <= k.until), '-infinity')`
      : "";
    const { rows } = await q.query(
      `WITH k AS (SELECT $1::text AS email, $2::text AS ip_group, $3::timestamptz AS since, $4::timestamptz AS until)
       SELECT a.created_at FROM login_attempts a, k
        WHERE ${scope.match("a")} AND NOT a.success AND a.created_at > k.since AND a.created_at <= k.until ${reset}
        ORDER BY a.created_at DESC
        LIMIT ${scope.max}`,
      params,
    );
    if (rows.length < scope.max) continue;
    const oldest: Date = rows[scope.max - 1].created_at;
    wait = Math.max(wait, Math.ceil((oldest.getTime() + WINDOW_MS - now.getTime()) / 1000), 1);
  }
  return wait;
}

/** "Try again in 12 minutes." — rounded up so the user never retries too early. */
export function throttleMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many failed sign-in attempts. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
}
