// Every database connection of the app is made here, lazily (constructing them at module load
// would throw whenever DATABASE_URL is not set, e.g. during `remix build`): dbPool() for SQL,
// db() for Prisma, and createPool() for the enforcement core's own pool
// (services/tollgate.server.ts). Why three pools and not one: docs/adr/0011-data-access.md.
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { observePool } from "../core/telemetry.ts";
import { behindPooler, databaseUrl, sessionDatabaseUrl } from "../services/config.server.ts";
import { pgAdapter, poolConfig } from "./pg-adapter.ts";

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
  await sessionPool?.end();
  prisma = undefined;
  pool = undefined;
  sessionPool = undefined;
}
