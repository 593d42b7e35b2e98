// A fresh database for every test of a file, and tollgates that each decide on a pipelined pool
// of their own (as the app's decision pool is; each one stands for another app process), all
// closed after the test. For files whose tests need an empty database each: a platform-wide quota
// (a lease, a per-user default) applies to every tenant in it.
import { afterEach, beforeEach } from "vitest";
import { createPool } from "../../db/client.server.ts";
import { createTestDatabase, type TestDatabase } from "../../db/test/test-database.ts";
import { createTollgate, type TollgateOptions } from "../index.ts";

export interface DatabasePerTest {
  /** This test's database (set in beforeEach). */
  readonly t: TestDatabase;
  /** A tollgate on its own pipelined pool of 8 connections. */
  tollgate(o?: Partial<TollgateOptions>): ReturnType<typeof createTollgate>;
  /** Something else to end after the test, before its database is dropped (a PgBouncer). */
  endAfterTest(x: { end(): Promise<void> }): void;
}

export function databasePerTest(): DatabasePerTest {
  let t: TestDatabase | undefined;
  let pools: { end(): Promise<void> }[] = [];
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    for (const p of pools) await p.end();
    pools = [];
    await t?.drop();
    t = undefined;
  });
  const current = () => {
    if (!t) throw new Error("databasePerTest: no database outside a test");
    return t;
  };
  return {
    get t() {
      return current();
    },
    tollgate: (o = {}) => {
      const pool = createPool(current().url, 8, { pipeline: true });
      pools.push(pool);
      return createTollgate({ pool, ...o });
    },
    endAfterTest: (x) => void pools.push(x),
  };
}
