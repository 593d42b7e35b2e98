// The core's database access: a pg Pool, one transaction per decision, and the mapping of
// driver faults to the typed `quota_unavailable` error the fail mode acts on.
import type pg from "pg";
import { TollgateError, type TxQuery } from "./types.ts";

export type Queryable = Pick<pg.PoolClient, "query">;

// What counts as "the database is not answering" decides a request's fate in both fail modes
// (closed: 503; open: allowed unchecked and spooled), so only proven outages count. Connection
// exceptions by code: 08000 connection_exception, 08003 connection_does_not_exist, 08006
// connection_failure, 08001 and 08004 (could not connect / rejected), 08007 (the connection was
// lost during COMMIT). NOT 08P01 protocol_violation: a value holding U+0000 pasted into a batch's
// SQL text produced it, and counting it as an outage let one tenant's byte turn every request
// of that batch into a 503 (or an unchecked, spooled allow). Server states that refuse work
// (shutdown, too many connections, timeouts, lock waits) count too.
const CONNECTION_LOST = new Set(["08000", "08003", "08006", "08001", "08004", "08007"]);
const SERVER_REFUSES = new Set(["57P01", "57P02", "57P03", "57014", "53300", "53400", "55P03", "40P01", "25P03"]);
const UNAVAILABLE_ERRNO = new Set([
  "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN",
]);

export function isUnavailable(e: unknown): boolean {
  if (e instanceof TollgateError) return e.code === "quota_unavailable";
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err || typeof err !== "object") return false;
  if (typeof err.code === "string" && (CONNECTION_LOST.has(err.code) || SERVER_REFUSES.has(err.code) || UNAVAILABLE_ERRNO.has(err.code))) {
    return true;
  }
  // An error the server sent (pg's DatabaseError: a SQLSTATE and a severity) proves the database
  // answered, whatever its message says — and a message can quote a request's value ("invalid
  // input syntax for type uuid: \"Connection terminated\""). Only the driver's own errors are
  // read by message.
  if (typeof err.code === "string" && typeof (err as { severity?: unknown }).severity === "string") return false;
  const msg = String(err.message ?? "");
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i.test(
    msg,
  );
}

// SQLSTATEs a request's values cause: class 22 data exceptions (22021 invalid byte sequence —
// U+0000 as a bound parameter —, 22P05, 22003 numeric out of range, 22P02, …), 08P01 (U+0000 in
// a simple-protocol message) and 54000 (an index entry too large). validate.ts refuses such
// values first, naming the field; this is the backstop: the request fails with a 4xx-class
// invalid_request on its own, never a 500 and never an outage.
function valueRejected(e: unknown): TollgateError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !(code.startsWith("22") || code === "08P01" || code === "54000")) return undefined;
  const err = new TollgateError("invalid_request", "A value in the request cannot be stored.", [{ path: "(body)", message: "a value cannot be stored" }]);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** A driver fault as the core reports it: quota_unavailable, invalid_request, or the fault itself. */
export function classify(e: unknown): unknown {
  return isUnavailable(e) ? unavailable(e) : (valueRejected(e) ?? e);
}

export function unavailable(cause: unknown): TollgateError {
  const e = new TollgateError("quota_unavailable", "The quota store is unavailable; try again shortly.");
  (e as { cause?: unknown }).cause = cause;
  return e;
}

// A client whose connection dies can emit 'error' after its query already failed, even after
// it was released (pg-pool's own query() has the same race). Unhandled, that event crashes
// the process; the failure itself always reaches the caller as a rejected query. So every
// client the core touches keeps a permanent listener.
const guarded = new WeakSet<pg.PoolClient>();
function guard(client: pg.PoolClient, onError: (e: unknown) => void) {
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on("error", () => {});
  }
  client.on("error", onError);
}

const guardedPools = new WeakSet<pg.Pool>();

/** Guards every connection the pool opens from now on, from the moment it connects (once per pool). */
export function guardPool(pool: pg.Pool) {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  pool.on("connect", (client) => {
    if (!guarded.has(client)) {
      guarded.add(client);
      client.on("error", () => {});
    }
  });
  // An idle connection killed by the server is reported on the pool; the pool replaces it.
  if (pool.listenerCount("error") === 0) pool.on("error", () => {});
}

async function checkout(pool: pg.Pool) {
  try {
    return await pool.connect();
  } catch (e) {
    throw unavailable(e);
  }
}

/** Single statements outside a transaction, on a guarded client; faults become quota_unavailable. */
export function direct(pool: pg.Pool): Queryable {
  return {
    query: (async (text: string, params?: unknown[]) => {
      const client = await checkout(pool);
      let broken: unknown;
      const onError = (e: unknown) => (broken = e);
      guard(client, onError);
      try {
        return await client.query(text, params);
      } catch (e) {
        if (isUnavailable(e)) broken = e;
        throw classify(e);
      } finally {
        client.off("error", onError);
        client.release(broken ? (broken instanceof Error ? broken : new Error("connection broken")) : undefined);
      }
    }) as Queryable["query"],
  };
}

/**
 * Runs fn in one transaction on a pooled connection. A connection that failed mid-transaction
 * is destroyed rather than returned to the pool, so the next request gets a healthy one.
 * `begin` may set transaction-local settings in the same round trip (statements.ts GENERIC_BEGIN).
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
  return inOwnTransaction(pool, async (c) => {
    await c.query(begin);
    const result = await fn(c);
    await c.query("COMMIT");
    return result;
  });
}

/**
 * As inTransaction, but fn sends BEGIN and COMMIT itself — e.g. in the same round trip as its
 * first and last statements. On any error the transaction is rolled back.
 */
export async function inOwnTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkout(pool);
  let broken: unknown = undefined;
  const onError = (e: unknown) => (broken = e);
  guard(client, onError);
  try {
    return await fn(client);
  } catch (e) {
    if (isUnavailable(e)) broken = e;
    await client.query("ROLLBACK").catch((re) => (broken ??= re));
    throw classify(e);
  } finally {
    client.off("error", onError);
    client.release(broken instanceof Error ? broken : broken ? new Error("connection broken") : undefined);
  }
}

export function txQuery(c: Queryable): TxQuery {
  return (text, params) => c.query(text, params as unknown[]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);
