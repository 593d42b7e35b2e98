// The core's database access: a pg Pool, one transaction per decision, and the mapping of
// driver faults to the typed `quota_unavailable` error the fail mode acts on.
import type pg from "pg";
import { TollgateError, type TxQuery } from "./types.ts";

export type Queryable = Pick<pg.PoolClient, "query">;

/** SQLSTATE classes/codes that mean "the database is not answering", not "your input is bad". */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "57014", "53300", "53400", "55P03", "40P01", "25P03"]);
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"]);

export function isUnavailable(e: unknown): boolean {
  if (e instanceof TollgateError) return e.code === "quota_unavailable";
  const err = e as { code?: string; message?: string } | null;
  if (!err) return false;
  if (err.code && (UNAVAILABLE_CODES.has(err.code) || err.code.startsWith("08") || UNAVAILABLE_ERRNO.has(err.code))) return true;
  const msg = String(err.message ?? "");
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i.test(
    msg,
  );
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
        throw isUnavailable(e) ? unavailable(e) : e;
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
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return inOwnTransaction(pool, async (c) => {
    await c.query("BEGIN");
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
    throw isUnavailable(e) ? unavailable(e) : e;
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
