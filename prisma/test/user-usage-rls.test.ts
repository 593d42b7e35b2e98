// Row-level security for per-user rows (ADR 0016, migration …164000_user_usage_rls), at the
// database level with the app's own filters removed: raw SQL with no tenant condition, run as the
// tenant role. Tenant A sees its end users' rows under its own default and under the platform's,
// its shared rows, nothing of tenant B — not even B's user who has the same id as one of A's —
// and never a platform row. The platform default's cap is readable, its quota row is not.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuota, createTenant } from "../../app/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../../app/db/test/test-database.ts";

let t: TestDatabase;
let a: string;
let b: string;
const q: Record<string, string> = {};
const PERIOD = "2026-12-02T00:00:00Z";

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.pool, "rls-a");
  b = await createTenant(t.pool, "rls-b");
  await t.pool.query(`DELETE FROM quotas`); // the template quotas: only the rows below exist
  q.platform = await createQuota(t.pool, { scope: "platform", limit: "1000" });
  q.tenantA = await createQuota(t.pool, { scope: "tenant", tenantId: a, limit: "100" });
  q.tenantB = await createQuota(t.pool, { scope: "tenant", tenantId: b, limit: "100" });
  q.everyUser = await createQuota(t.pool, { scope: "each_user", period: "day", limit: "2" }); // the platform's default
  q.eachUserA = await createQuota(t.pool, { scope: "each_user", tenantId: a, period: "day", limit: "1" });
  q.eachUserB = await createQuota(t.pool, { scope: "each_user", tenantId: b, period: "day", limit: "1" });
  const row = (quota: string, tenant: string | null, subject: string) =>
    t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id, spent_usd) VALUES ($1, $2, $3, $4, 1)`, [
      quota, PERIOD, subject, tenant,
    ]);
  await row(q.platform, null, "");
  await row(q.tenantA, null, "");
  await row(q.tenantB, null, "");
  await row(q.eachUserA, a, "u-1");
  await row(q.eachUserA, a, "u-2");
  await row(q.eachUserB, b, "u-1");
  await row(q.everyUser, a, "u-1");
  await row(q.everyUser, b, "u-1"); // B's own u-1: user ids are unique only within a tenant
  await row(q.everyUser, b, "u-9");
});
afterAll(async () => t?.drop());

type Seen = { quota: string; subject: string; tenant: string | null };
const label = (id: string) => Object.entries(q).find(([, v]) => v === id)![0];

/** Every usage row a session scoped to `tenant` sees, with no filter of its own. */
async function seenAs(c: pg.PoolClient, tenant: string | null, from = "quota_usage"): Promise<Seen[]> {
  await c.query("SET LOCAL ROLE tollgate_tenant");
  if (tenant) await c.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
  const { rows } = await c.query(`SELECT quota_id, subject, subject_tenant_id FROM ${from}`);
  await c.query("RESET ROLE");
  return rows
    .map((r) => ({ quota: label(r.quota_id), subject: r.subject, tenant: r.subject_tenant_id === a ? "a" : r.subject_tenant_id === b ? "b" : r.subject_tenant_id }))
    .sort((x, y) => `${x.quota}|${x.tenant}|${x.subject}`.localeCompare(`${y.quota}|${y.tenant}|${y.subject}`));
}

async function inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await t.pool.connect();
  try {
    await c.query("BEGIN");
    return await fn(c);
  } finally {
    await c.query("ROLLBACK");
    c.release();
  }
}

const A_SEES: Seen[] = [
  { quota: "eachUserA", subject: "u-1", tenant: "a" },
  { quota: "eachUserA", subject: "u-2", tenant: "a" },
  { quota: "everyUser", subject: "u-1", tenant: "a" },
  { quota: "tenantA", subject: "", tenant: null },
];
const B_SEES: Seen[] = [
  { quota: "eachUserB", subject: "u-1", tenant: "b" },
  { quota: "everyUser", subject: "u-1", tenant: "b" },
  { quota: "everyUser", subject: "u-9", tenant: "b" },
  { quota: "tenantB", subject: "", tenant: null },
];

describe("a tenant-scoped read of quota_usage", () => {
  it("sees its own users' rows under its default and the platform's, and its shared rows — nothing else", async () => {
    expect(await inTransaction((c) => seenAs(c, a))).toEqual(A_SEES);
    expect(await inTransaction((c) => seenAs(c, b))).toEqual(B_SEES);
    // The view every reader outside the decision path uses (security_invoker) narrows the same way.
    expect(await inTransaction((c) => seenAs(c, a, "quota_usage_current"))).toEqual(A_SEES);
  });

  it("an explicit filter for another tenant's user or the platform's shared row returns nothing", async () => {
    const n = await inTransaction(async (c) => {
      await c.query("SET LOCAL ROLE tollgate_tenant");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [a]);
      const other = await c.query(`SELECT 1 FROM quota_usage WHERE subject_tenant_id = $1 OR quota_id = ANY($2::uuid[])`, [
        b, [q.platform, q.tenantB, q.eachUserB],
      ]);
      return other.rowCount;
    });
    expect(n).toBe(0);
  });

  it("with no tenant selected sees nothing; staff see every row", async () => {
    expect(await inTransaction((c) => seenAs(c, null))).toEqual([]);
    const all = await inTransaction(async (c) => {
      await c.query("SELECT set_config('app.staff', 'on', true)");
      return seenAs(c, null);
    });
    expect(all).toHaveLength(9);
  });

  it("reads the platform's per-user cap through platform_user_caps, never its quota row", async () => {
    const seen = await inTransaction(async (c) => {
      await c.query("SET LOCAL ROLE tollgate_tenant");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [a]);
      const quotas = await c.query(`SELECT id FROM quotas WHERE tenant_id IS NULL`);
      const caps = await c.query(`SELECT id, resource, period, limit_usd::text AS limit, enforcement, enabled FROM platform_user_caps`);
      return { quotas: quotas.rows, caps: caps.rows };
    });
    expect(seen).toEqual({
      quotas: [],
      caps: [{ id: q.everyUser, resource: "llm", period: "day", limit: "2.0000000000", enforcement: "hard", enabled: true }],
    });
  });
});

describe("the layer is the policy", () => {
  it("with row-level security off on quota_usage, the same read sees tenant B's and the platform's rows", async () => {
    // Proves the first test would fail without RLS (the fault is made inside a rolled-back transaction).
    const seen = await inTransaction(async (c) => {
      await c.query("ALTER TABLE quota_usage DISABLE ROW LEVEL SECURITY");
      return seenAs(c, a);
    });
    expect(seen).toHaveLength(9);
    expect(seen).toContainEqual({ quota: "eachUserB", subject: "u-1", tenant: "b" });
    expect(seen).toContainEqual({ quota: "platform", subject: "", tenant: null });
  });

  it("with the previous policy (visible when the quota is) A's users' rows under the platform default are hidden", async () => {
    const seen = await inTransaction(async (c) => {
      await c.query("DROP POLICY tenant_isolation ON quota_usage");
      await c.query(`CREATE POLICY tenant_isolation ON quota_usage USING (EXISTS (SELECT 1 FROM quotas q WHERE q.id = quota_usage.quota_id))`);
      return seenAs(c, a);
    });
    expect(seen).toEqual(A_SEES.filter((s) => s.quota !== "everyUser"));
  });
});

describe("the rows the policy trusts", () => {
  it("refuses a per-user row naming another tenant's user under a tenant's default, or under a shared quota", async () => {
    await expect(
      t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id) VALUES ($1, $2, 'u-5', $3)`, [q.eachUserA, PERIOD, b]),
    ).rejects.toMatchObject({ code: "23514", constraint: "quota_usage_subject_tenant" });
    await expect(
      t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id) VALUES ($1, $2, 'u-5', $3)`, [q.tenantA, PERIOD, a]),
    ).rejects.toMatchObject({ code: "23514", constraint: "quota_usage_subject_tenant" });
    await expect(
      t.pool.query(`UPDATE quota_usage SET subject_tenant_id = $1 WHERE quota_id = $2 AND subject = 'u-2'`, [b, q.eachUserA]),
    ).rejects.toMatchObject({ code: "23514", constraint: "quota_usage_subject_tenant" });
    // The platform default takes any tenant's user.
    await t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id) VALUES ($1, '2026-12-03T00:00:00Z', 'u-5', $2)`, [q.everyUser, a]);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM quota_usage WHERE subject = 'u-5'`);
    expect(rows[0].n).toBe(1);
  });
});
