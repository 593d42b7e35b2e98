// The one way the app runs a transaction (services and scripts; the enforcement core keeps its
// own in core/db.ts, which must not import the app), instead of a BEGIN/COMMIT/ROLLBACK block
// copied into each service.
import type pg from "pg";
import { dbPool } from "./client.server.ts";

/** A connection inside a transaction. */
export type Tx = pg.PoolClient;

export interface TransactionOptions {
  /** Defaults to the app pool (dbPool()); tests and scripts pass their own. */
  pool?: pg.Pool;
  /** BEGIN READ ONLY: a read that must not write, and a snapshot consistent across its statements. */
  readOnly?: boolean;
  /** SET LOCAL statement_timeout, for reads whose cost depends on the request (filters, sorts). */
  statementTimeoutMs?: number;
}

/** Runs fn in one transaction; commits what it did, or rolls back and rethrows fn's error. */
export async function withTransaction<T>(fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const client = await (opts.pool ?? dbPool()).connect();
  try {
    return await transactionOn(client, fn, opts);
  } finally {
    // pg-pool itself drops a connection that died meanwhile (its ROLLBACK failed too) instead
    // of handing it to the next caller (the test shows it).
    client.release();
  }
}

/**
 * As withTransaction, on a connection the caller holds and releases itself: for work that keeps
 * a session-level advisory lock on it around the transaction (analysis/job.server.ts).
 */
export async function transactionOn<T>(client: Tx, fn: (tx: Tx) => Promise<T>, opts: Omit<TransactionOptions, "pool"> = {}): Promise<T> {
  try {
    await client.query(opts.readOnly ? "BEGIN READ ONLY" : "BEGIN");
    if (opts.statementTimeoutMs !== undefined) {
      // SET takes no bind parameters; set_config does, with is_local = true as SET LOCAL.
      await client.query("SELECT set_config('statement_timeout', $1, true)", [String(Math.trunc(opts.statementTimeoutMs))]);
    }
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {}); // a dead connection: the error that matters is fn's
    throw error;
  }
}

/**
 * Runs `read` inside `tx` as the row-level-security role limited to one tenant (SPEC §9, the
 * policies in prisma/migrations/…_constraints_trigger_rls): defence in depth, so a query whose
 * own tenant filter is wrong or missing still cannot return another tenant's rows. The role
 * has SELECT only. The owner role is back afterwards, for transactions that locate rows as the
 * owner first (records.server.ts explains why it must).
 */
export async function asTenant<T>(tx: Tx, tenantId: string, read: () => Promise<T>): Promise<T> {
  await tx.query("SET LOCAL ROLE tollgate_tenant");
  await tx.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
  const result = await read();
  // Not in a finally: after a failed statement the transaction only accepts ROLLBACK, which
  // undoes the SET LOCAL anyway; a RESET there would replace the real error with its own.
  await tx.query("RESET ROLE");
  return result;
}

/** A read-only transaction whose every statement runs as the tenant-scoped role (asTenant). */
export function withTenantScope<T>(
  tenantId: string,
  read: (tx: Tx) => Promise<T>,
  opts: Omit<TransactionOptions, "readOnly"> = {},
): Promise<T> {
  return withTransaction((tx) => asTenant(tx, tenantId, () => read(tx)), { ...opts, readOnly: true });
}
