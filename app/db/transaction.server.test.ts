// withTransaction and withTenantScope against a real database: commit, rollback, read-only,
// the statement timeout, a dead connection kept out of the pool, and the row-level-security
// role as a guard of its own (a read with no tenant filter at all still sees one tenant only).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuota, createTenant } from "../core/test/fixtures.ts";
import { createPool } from "./client.server.ts";
import { rows } from "./rows.ts";
import { createTestDatabase, type TestDatabase } from "./test/test-database.ts";
import { asTenant, withTenantScope, withTransaction } from "./transaction.server.ts";

let t: TestDatabase;
let a: string;
let b: string;
beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.pool, "tx-a");
  b = await createTenant(t.pool, "tx-b");
  await createQuota(t.pool, { scope: "tenant", tenantId: a, limit: "10" });
  await createQuota(t.pool, { scope: "tenant", tenantId: b, limit: "20" });
});
afterAll(async () => t?.drop());

const slugs = async () => (await rows<{ slug: string }>(t.pool, "SELECT slug FROM tenants WHERE slug LIKE 'tx-%' ORDER BY slug")).map((r) => r.slug);
const pool = () => t.pool;

describe("withTransaction", () => {
  it("commits what fn did and returns its value", async () => {
    const id = await withTransaction(async (tx) => (await tx.query(`INSERT INTO tenants (slug, name) VALUES ('tx-commit', 'c') RETURNING id`)).rows[0].id, { pool: pool() });
    expect(typeof id).toBe("string");
    expect(await slugs()).toEqual(["tx-a", "tx-b", "tx-commit"]);
  });

  it("rolls everything back and rethrows fn's own error", async () => {
    const boom = new Error("boom");
    await expect(
      withTransaction(async (tx) => {
        await tx.query(`INSERT INTO tenants (slug, name) VALUES ('tx-rolled-back', 'r')`);
        throw boom;
      }, { pool: pool() }),
    ).rejects.toBe(boom);
    expect(await slugs()).toEqual(["tx-a", "tx-b", "tx-commit"]);
  });

  it("readOnly refuses a write (SQLSTATE 25006) and writes nothing", async () => {
    await expect(
      withTransaction((tx) => tx.query(`INSERT INTO tenants (slug, name) VALUES ('tx-read-only', 'r')`), { pool: pool(), readOnly: true }),
    ).rejects.toMatchObject({ code: "25006" });
    expect(await slugs()).toEqual(["tx-a", "tx-b", "tx-commit"]);
  });

  it("statementTimeoutMs cancels a slow statement (57014) and ends with the transaction", async () => {
    const p = createPool(t.url, 1);
    try {
      await expect(withTransaction((tx) => tx.query("SELECT pg_sleep(2)"), { pool: p, statementTimeoutMs: 50 })).rejects.toMatchObject({ code: "57014" });
      // Same (only) connection: the limit was local to the transaction.
      expect((await p.query("SHOW statement_timeout")).rows[0].statement_timeout).toBe("0");
    } finally {
      await p.end();
    }
  });

  it("a connection that died inside the transaction is not handed to the next caller", async () => {
    const p = createPool(t.url, 1);
    try {
      await expect(
        withTransaction(async (tx) => {
          const pid = (await tx.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
          await t.pool.query("SELECT pg_terminate_backend($1)", [pid]);
          await tx.query("SELECT 1"); // fails: the server closed this connection
        }, { pool: p }),
      ).rejects.toThrow();
      // The fault happened (the connection is gone) and the pool holds no dead connection.
      expect(p.totalCount).toBe(0);
      expect((await p.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    } finally {
      await p.end();
    }
  });
});

describe("withTenantScope", () => {
  // No WHERE: the app's own tenant filter is deliberately absent, so only RLS can narrow it.
  const tenantsSeen = (tx: { query: typeof t.pool.query }) =>
    rows<{ tenant_id: string }>(tx, "SELECT DISTINCT tenant_id FROM quotas WHERE tenant_id IS NOT NULL").then((r) => r.map((x) => x.tenant_id));

  it("a read with no tenant filter sees only the scoped tenant's rows", async () => {
    expect(await withTenantScope(a, tenantsSeen, { pool: pool() })).toEqual([a]);
    expect(await withTenantScope(b, tenantsSeen, { pool: pool() })).toEqual([b]);
    // The same read as the owner sees both: the narrowing above came from the scope alone.
    expect((await tenantsSeen(t.pool)).sort()).toEqual([a, b].sort());
  });

  it("that guard is row-level security: with RLS off on the table, the scoped read sees both tenants", async () => {
    // Proves the test above would fail without RLS (the fault is made, then rolled back).
    const seen = await withTransaction(async (tx) => {
      await tx.query("ALTER TABLE quotas DISABLE ROW LEVEL SECURITY");
      const r = await asTenant(tx, a, () => tenantsSeen(tx));
      await tx.query("ROLLBACK"); // undo the ALTER; withTransaction's COMMIT then has nothing to do
      await tx.query("BEGIN");
      return r;
    }, { pool: pool() });
    expect(seen.sort()).toEqual([a, b].sort());
    expect(await withTenantScope(a, tenantsSeen, { pool: pool() })).toEqual([a]);
  });

  it("runs as the tenant role, read-only, and asTenant hands the owner role back", async () => {
    const who = await withTenantScope(a, async (tx) => (await tx.query("SELECT current_user AS u")).rows[0].u, { pool: pool() });
    expect(who).toBe("tollgate_tenant");
    await expect(withTenantScope(a, (tx) => tx.query(`INSERT INTO tenants (slug, name) VALUES ('tx-scoped', 's')`), { pool: pool() })).rejects.toMatchObject({
      code: "25006",
    });
    const after = await withTransaction(async (tx) => {
      const before = (await tx.query("SELECT current_user AS u")).rows[0].u;
      await asTenant(tx, a, async () => undefined);
      return { before, after: (await tx.query("SELECT current_user AS u")).rows[0].u };
    }, { pool: pool() });
    expect(after.after).toBe(after.before);
    expect(after.after).not.toBe("tollgate_tenant");
  });
});
