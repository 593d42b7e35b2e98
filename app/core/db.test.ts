// Which driver faults count as "the database is unavailable" (fail modes act on it) and which
// are a request's values being refused (invalid_request, the request fails alone). Every error
// here is produced for real, against the real server, not built by hand.
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import { classify, direct, inTransaction, isUnavailable } from "./db.ts";
import { TollgateError } from "./types.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

/** The error a query really fails with (the test fails if it succeeds). */
async function errorOf(run: () => Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error("expected the query to fail");
}

describe("errors the server answers with are never an outage", () => {
  it("08P01: U+0000 in a simple-protocol query text (what group commit's literals did)", async () => {
    const c = await t.pool.connect();
    try {
      const e = await errorOf(() => c.query("SELECT 'a\u0000b' AS v"));
      expect(e.code).toBe("08P01");
      expect(isUnavailable(e)).toBe(false);
      expect(classify(e)).toMatchObject({ code: "invalid_request" });
      // The connection survives it: the server answered, it did not go away.
      expect((await c.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      c.release();
    }
  });

  it("22021: U+0000 as a bound parameter", async () => {
    const e = await errorOf(() => t.pool.query("SELECT $1::text AS v", ["a\u0000b"]));
    expect(e.code).toBe("22021");
    expect(isUnavailable(e)).toBe(false);
    expect(classify(e)).toMatchObject({ code: "invalid_request", issues: [{ path: "(body)", message: "a value cannot be stored" }] });
  });

  it("22P05: an escape PostgreSQL cannot store (\\u0000 in jsonb)", async () => {
    const e = await errorOf(() => t.pool.query(`SELECT '"\\u0000"'::jsonb AS v`));
    expect(e.code).toBe("22P05");
    expect(isUnavailable(e)).toBe(false);
    expect(classify(e)).toMatchObject({ code: "invalid_request" });
  });

  it("22003 (numeric out of range) and 54000 (an index entry too large)", async () => {
    const overflow = await errorOf(() => t.pool.query("SELECT $1::numeric(24,10) AS v", ["1e20"]));
    expect(overflow.code).toBe("22003");
    expect(classify(overflow)).toMatchObject({ code: "invalid_request" });
    // reservations(tenant_id, idempotency_key) is unique: a key of ~10 kB of incompressible
    // text cannot be indexed.
    const tenant = (await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('db-test', 'x') RETURNING id`)).rows[0].id;
    const huge = await errorOf(() =>
      t.pool.query(
        `INSERT INTO reservations (tenant_id, resource, idempotency_key, request_hash, estimate_usd, usage_ids, expires_at)
         SELECT $1, 'llm', string_agg(md5(random()::text), ''), 'h', 0, '{}', now() FROM generate_series(1, 320)`,
        [tenant],
      ),
    );
    expect(huge.code).toBe("54000");
    expect(isUnavailable(huge)).toBe(false);
    expect(classify(huge)).toMatchObject({ code: "invalid_request" });
  });

  it("a server error whose message quotes a request's value is still not an outage", async () => {
    const e = await errorOf(() => t.pool.query("SELECT $1::uuid AS v", ["Connection terminated unexpectedly"]));
    expect(e.code).toBe("22P02");
    expect(e.message).toContain("Connection terminated");
    expect(isUnavailable(e)).toBe(false);
  });

  it("inTransaction and direct() hand the caller invalid_request, not the raw fault", async () => {
    const q = direct(t.pool);
    await expect(q.query("SELECT $1::text AS v", ["\u0000"])).rejects.toBeInstanceOf(TollgateError);
    await expect(inTransaction(t.pool, (c) => c.query("SELECT $1::text AS v", ["\u0000"]))).rejects.toMatchObject({
      code: "invalid_request",
    });
    // Other faults (a bug of ours, a constraint) stay what they are.
    await expect(q.query("SELECT * FROM no_such_table")).rejects.toMatchObject({ code: "42P01" });
  });
});

describe("connection loss is an outage", () => {
  it("ECONNREFUSED: nothing listens on the port", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r)); // the port is free now: connecting is refused
    const c = new pg.Client({ host: "127.0.0.1", port, user: "x", database: "x", connectionTimeoutMillis: 2000 });
    const e = await errorOf(() => c.connect());
    expect(e.code).toBe("ECONNREFUSED");
    expect(isUnavailable(e)).toBe(true);
    expect(classify(e)).toMatchObject({ code: "quota_unavailable" });
  });

  it("57P01 and a terminated connection: the backend is killed mid-session", async () => {
    const victim = new pg.Client({ connectionString: t.url });
    victim.on("error", () => {});
    await victim.connect();
    const pid = (await victim.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    const killed = errorOf(() => victim.query("SELECT pg_sleep(30)"));
    await new Promise((r) => setTimeout(r, 200));
    await t.pool.query("SELECT pg_terminate_backend($1)", [pid]);
    const e = await killed;
    expect(e.code).toBe("57P01");
    expect(isUnavailable(e)).toBe(true);
    const after = await errorOf(() => victim.query("SELECT 1"));
    expect(after.code).toBeUndefined(); // the driver's own error: the connection is gone
    expect(isUnavailable(after)).toBe(true);
    await victim.end().catch(() => {});
  });

  it("connection-exception SQLSTATEs count, except 08P01", () => {
    for (const code of ["08000", "08003", "08006", "08001", "08004", "08007"]) expect(isUnavailable({ code })).toBe(true);
    expect(isUnavailable({ code: "08P01", severity: "ERROR", message: "invalid message format" })).toBe(false);
    expect(isUnavailable({ code: "08P01" })).toBe(false);
  });
});
