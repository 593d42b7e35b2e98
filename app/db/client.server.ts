// Every database connection of the app is made here, lazily (constructing them at module load
// would throw whenever DATABASE_URL is not set, e.g. during `remix build`): dbPool() for SQL,
// db() for Prisma, createPool() for the enforcement core's own pool (services/tollgate.server.ts),
// and readPool() for reads that may be stale, on a replica when DATABASE_READ_URL is set.
// Why these pools and not one: docs/adr/0011-data-access.md, 0013-read-replica.md.
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { observePool } from "../core/telemetry.ts";
import { behindPooler, databaseReadUrl, databaseUrl, sessionDatabaseUrl } from "../services/config.server.ts";
import { logger } from "../services/logger.server.ts";
import { pgAdapter, poolConfig } from "./pg-adapter.ts";
import { ReplicaPool } from "./replica-pool.ts";

export type Db = PrismaClient;

/** A Prisma client with a pool of its own, for scripts and tests that hold their own URL. */
export function createPrisma(url: string) {
  return new PrismaClient({ adapter: pgAdapter(url, { allowExitOnIdle: false, max: 10 }) });
}

/**
 * Every pool of the app is made here. `extra` carries e.g. the core's timeouts, and `pipeline`:
 * queries are written without waiting for the previous answer (node-postgres' pipeline mode),
 * so the enforcement core sends a batch's statements in one round trip (ADR 0004).
 */
export function createPool(url: string, max = 10, extra: pg.PoolConfig & { pipeline?: boolean } = {}) {
  const pool = new pg.Pool({ ...poolConfig(url), ...extra, max } as pg.PoolConfig);
  // A connection killed by the server (restart, pg_terminate_backend) emits 'error' on the pool
  // (idle) or on the client (even after its failed query was already rejected); without a
  // listener that event crashes the process. Queries still reject, and the pool reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

let prisma: PrismaClient | undefined;
let pool: pg.Pool | undefined;
let replica: ReplicaPool | undefined;
let sessionPool: pg.Pool | undefined;

/**
 * A query's prepared-statement name (parsed once per connection), or none behind a transaction
 * pooler (ADR 0012): PgBouncer 1.18 hands the next transaction another server connection, where
 * the name is unknown ("prepared statement … does not exist") or already taken.
 */
export function statementName(name: string): { name?: string } {
  return behindPooler() ? {} : { name };
}

/**
 * Prisma, for simple CRUD (ADR 0011), on connections of its own: code holding a dbPool()
 * transaction calls Prisma (the login throttle keeps its advisory lock while the password check
 * reads the user), and on one shared pool 12 parallel sign-ins held all 12 connections waiting
 * for that lock while its holder waited for a connection, until lock_timeout (auth.test.ts).
 */
export function db(): PrismaClient {
  return (prisma ??= createPrisma(databaseUrl()));
}

/** The app pool, for hand-written SQL (aggregates, transactions: see transaction.server.ts). */
export function dbPool(): pg.Pool {
  if (!pool) observePool("app", (pool = createPool(databaseUrl(), 12)));
  return pool;
}

/** How long a read waits to connect to the replica before it is taken as down (and the read goes to the primary). */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/**
 * The pool for reads that may be stale by the replica's replay lag (ADR 0013): dashboards, the
 * records explorer, CSV exports — never a decision, a write, or a page that must show what its
 * own form just saved. On DATABASE_READ_URL (a streaming replica) when set, else the app pool
 * itself. While the replica cannot be reached its reads go to the primary (one log line when it
 * goes down, one when it is back).
 */
export function readPool(): pg.Pool {
  const url = databaseReadUrl();
  if (!url) return dbPool();
  if (!replica) {
    const log = logger("db");
    replica = new ReplicaPool(
      { ...poolConfig(url), max: 12, connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS },
      {
        fallback: dbPool,
        onStateChange: (state, error) =>
          state === "down"
            ? log.warn({ event: "read_replica_down", reason: (error as { code?: string })?.code ?? error?.message }, "read replica unreachable: dashboard reads go to the primary")
            : log.info({ event: "read_replica_up" }, "read replica answers again: dashboard reads go back to it"),
      },
    );
    replica.on("error", () => {}); // as createPool: a killed idle connection must not crash the process
    replica.on("connect", (client) => client.on("error", () => {}));
    observePool("read", replica);
  }
  return replica;
}

/**
 * For work that needs one server session throughout (the analysis job's advisory lock): the app
 * pool, or a small pool on DATABASE_DIRECT_URL behind a transaction pooler (ADR 0012).
 */
export function dbSessionPool(): pg.Pool {
  if (!behindPooler()) return dbPool();
  return (sessionPool ??= createPool(sessionDatabaseUrl(), 2));
}

export async function disconnectDb() {
  await prisma?.$disconnect();
  await pool?.end();
  await replica?.end();
  await sessionPool?.end();
  prisma = undefined;
  pool = undefined;
  replica = undefined;
  sessionPool = undefined;
}
