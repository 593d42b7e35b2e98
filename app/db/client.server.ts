// The one Prisma client and pg pool of the app process, created lazily (constructing them at
// module load would throw whenever DATABASE_URL is not set, e.g. during `remix build`).
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { observePool } from "../core/telemetry.ts";
import { pgAdapter, poolConfig } from "./pg-adapter.ts";

export type Db = PrismaClient;

export function createPrisma(url: string) {
  return new PrismaClient({ adapter: pgAdapter(url, { allowExitOnIdle: false, max: 10 }) });
}

/**
 * `pipeline`: queries are written without waiting for the previous answer (node-postgres'
 * pipeline mode), so the enforcement core sends a batch's statements in one round trip.
 */
export function createPool(url: string, max = 10, opts: { pipeline?: boolean } = {}) {
  const pool = new pg.Pool({ ...poolConfig(url), max, ...(opts.pipeline ? { pipeline: true } : {}) } as pg.PoolConfig);
  // A connection killed by the server (restart, pg_terminate_backend) emits 'error' on the pool
  // (idle) or on the client (even after its failed query was already rejected); without a
  // listener that event crashes the process. Queries still reject, and the pool reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

let prisma: PrismaClient | undefined;
let pool: pg.Pool | undefined;

function databaseUrl() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (npm start sets it for the embedded database)");
  return url;
}

export function db(): PrismaClient {
  return (prisma ??= createPrisma(databaseUrl()));
}

/** Raw pool for hand-written SQL on hot paths (the enforcement core). */
export function dbPool(): pg.Pool {
  if (!pool) observePool("app", (pool = createPool(databaseUrl(), 12)));
  return pool;
}

export async function disconnectDb() {
  await prisma?.$disconnect();
  await pool?.end();
  prisma = undefined;
  pool = undefined;
}
