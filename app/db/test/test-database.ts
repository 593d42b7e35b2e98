// A fresh database per test file, cloned from the migrated template (fast: a file copy).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { withDatabase } from "../../../scripts/lib/postgres.ts";
import { createPool, createPrisma, disconnectDb, type Db } from "../client.server.ts";
import { poolConfig } from "../pg-adapter.ts";

const TEMPLATE_DB = "tollgate_test_template";

export interface TestDatabase {
  name: string;
  url: string;
  prisma: Db;
  pool: pg.Pool;
  drop(): Promise<void>;
}

async function adminQuery(sql: string) {
  const c = new pg.Client(poolConfig(inject("pgAdminUrl")));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  // Cloning fails while another session is connected to the template; retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      break;
    } catch (e) {
      if (attempt >= 20 || !String((e as Error).message).includes("being accessed")) throw e;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
  const url = withDatabase(inject("pgAdminUrl"), name);
  const prisma = createPrisma(url);
  const pool = createPool(url, 20);
  return {
    name,
    url,
    prisma,
    pool,
    async drop() {
      await prisma.$disconnect();
      await pool.end();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A test database that the app's own connections use too: DATABASE_URL points at it, so code
 * that calls dbPool()/db() (loaders, actions, services) reads and writes it. `drop()` closes
 * those connections and puts DATABASE_URL back as it was.
 */
export async function createAppTestDatabase(): Promise<TestDatabase> {
  const t = await createTestDatabase();
  const previous = process.env.DATABASE_URL;
  process.env.DATABASE_URL = t.url;
  return {
    ...t,
    async drop() {
      await disconnectDb();
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
      await t.drop();
    },
  };
}
