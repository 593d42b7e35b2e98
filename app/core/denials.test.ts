// Denials made visible (ADR 0014), against the real database: each denial is counted — how many
// and the estimate refused, exactly — on the usage row of the quota that refused it (the one the
// answer names) and in denials_daily, never on the other rows of the decision; in a mixed batch,
// on a platform row decided on a budget lease, and once per idempotency key (a retried denial is
// decided again but not counted again). Validation errors and allowed requests count nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/client.server.ts";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import type { BatchReport } from "./decider.ts";
import { createTollgate, type ReserveDecision } from "./index.ts";
import { createQuota, createQuotaFreeTenant, testClock } from "./test/fixtures.ts";

let t: TestDatabase;
const pools: { end(): Promise<void> }[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const p of pools) await p.end();
  await t?.drop();
});

const reserve = (tenantId: string, key: string, usd: string, userId?: string) =>
  ({ tenantId, userId, resource: "llm" as const, idempotencyKey: key, estimatedCostUsd: usd });

/** The denial counts of a quota's current usage row, as every reader sees them (the view). */
async function deniedOn(quotaId: string) {
  const { rows } = await t.pool.query(
    `SELECT denied_count AS count, denied_usd::text AS usd FROM quota_usage_current WHERE quota_id = $1 ORDER BY period_start DESC LIMIT 1`,
    [quotaId],
  );
  return rows[0] as { count: number; usd: string } | undefined;
}

async function daily(tenantId: string) {
  const { rows } = await t.pool.query(
    `SELECT day::text, quota_id AS "quotaId", user_id AS "userId", denied_count AS count, denied_usd::text AS usd
       FROM denials_daily WHERE tenant_id = $1 ORDER BY quota_id, user_id`,
    [tenantId],
  );
  return rows;
}

function denied(d: ReserveDecision) {
  if (d.allowed) throw new Error("expected a denial");
  return d.denial;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("one decision at a time (a batch of one)", () => {
  it("a denial counts once, exactly, on the refusing quota's row only; its retries under the same key do not count again", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "deny-one");
    const tenantQuota = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "5" });
    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "ann", limit: "100" });
    const tg = createTollgate({ pool: t.pool, groupCommit: false });
    expect((await tg.reserve(reserve(tenantId, "a", "4.25", "ann"))).allowed).toBe(true);
    const d = denied(await tg.reserve(reserve(tenantId, "b", "1.0000000001", "ann")));
    expect(d.quotaId).toBe(tenantQuota);
    expect(await deniedOn(tenantQuota)).toEqual({ count: 1, usd: "1.0000000001" });
    expect(await deniedOn(userQuota)).toEqual({ count: 0, usd: "0.0000000000" });
    expect(await daily(tenantId)).toEqual([{ day: today(), quotaId: tenantQuota, userId: "ann", count: 1, usd: "1.0000000001" }]);

    // The client retries the same request, twice: denied again, counted once.
    for (let i = 0; i < 2; i++) expect(denied(await tg.reserve(reserve(tenantId, "b", "1.0000000001", "ann"))).quotaId).toBe(tenantQuota);
    // A replay of an allowed reservation is no denial either.
    expect(await tg.reserve(reserve(tenantId, "a", "4.25", "ann"))).toMatchObject({ allowed: true, replay: true });
    // Bad input is refused before any decision: nothing counted.
    await expect(tg.reserve(reserve(tenantId, "c", "-1", "ann"))).rejects.toMatchObject({ code: "invalid_request" });
    await expect(tg.reserve({ ...reserve(tenantId, "d", "1", "ann"), resource: "gpu" as never })).rejects.toMatchObject({ code: "invalid_request" });
    expect(await deniedOn(tenantQuota)).toEqual({ count: 1, usd: "1.0000000001" });
    expect(await daily(tenantId)).toEqual([{ day: today(), quotaId: tenantQuota, userId: "ann", count: 1, usd: "1.0000000001" }]);

    // A new key is a new denial, here by a user without a user quota.
    expect(denied(await tg.reserve(reserve(tenantId, "e", "2"))).quotaId).toBe(tenantQuota);
    expect(await deniedOn(tenantQuota)).toEqual({ count: 2, usd: "3.0000000001" });
    expect(await daily(tenantId)).toEqual([
      { day: today(), quotaId: tenantQuota, userId: "", count: 1, usd: "2.0000000000" },
      { day: today(), quotaId: tenantQuota, userId: "ann", count: 1, usd: "1.0000000001" },
    ]);
    expect((await tg.reconcile()).mismatches).toEqual([]);
  });

  it("when several quotas refuse, only the one the answer names (the binding quota) counts it", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "deny-binding");
    // Both refuse $3 after $8 is held; the monthly one binds (it resets last).
    const dayQuota = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10", period: "day" });
    const monthQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "bo", limit: "9", period: "month" });
    const tg = createTollgate({ pool: t.pool, groupCommit: false });
    expect((await tg.reserve(reserve(tenantId, "a", "8", "bo"))).allowed).toBe(true);
    expect(denied(await tg.reserve(reserve(tenantId, "b", "3", "bo"))).quotaId).toBe(monthQuota);
    expect(await deniedOn(monthQuota)).toEqual({ count: 1, usd: "3.0000000000" });
    expect(await deniedOn(dayQuota)).toEqual({ count: 0, usd: "0.0000000000" });
  });

  it("with enforcement off nothing is denied and nothing is counted", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "deny-off");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1" });
    const tg = createTollgate({ pool: t.pool, groupCommit: false, enforcement: { llm: false } });
    expect(await tg.reserve(reserve(tenantId, "a", "2"))).toMatchObject({ allowed: true, warnings: [expect.objectContaining({ code: "enforcement_disabled" })] });
    expect(await deniedOn(quotaId)).toEqual({ count: 0, usd: "0.0000000000" });
    expect(await daily(tenantId)).toEqual([]);
  });

  it("one-shot records: a denied record counts once per key, on its binding row", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "deny-record");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1" });
    const tg = createTollgate({ pool: t.pool, groupCommit: false });
    const rec = { tenantId, userId: "cy", resource: "llm" as const, idempotencyKey: "r1", actualCostUsd: "1.5" };
    for (let i = 0; i < 2; i++) expect(await tg.record(rec)).toMatchObject({ allowed: false, denial: { quotaId } });
    expect(await deniedOn(quotaId)).toEqual({ count: 1, usd: "1.5000000000" });
    expect(await daily(tenantId)).toEqual([{ day: today(), quotaId, userId: "cy", count: 1, usd: "1.5000000000" }]);
  });
});

describe("group commit", () => {
  it("a mixed batch (allowed, denied, a retried denial, a same-key pair): each denial counted once on its binding row", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "deny-batch");
    const tenantQuota = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "dee", limit: "3" });
    const batches: BatchReport[] = [];
    const tg = createTollgate({ pool: t.pool, groupCommit: { inFlight: 1, onBatch: (r) => batches.push(r) } });
    expect((await tg.reserve(reserve(tenantId, "old", "0.5", "dee"))).allowed).toBe(true);
    expect(denied(await tg.reserve(reserve(tenantId, "retry", "2.75", "dee"))).quotaId).toBe(userQuota);
    expect(await deniedOn(userQuota)).toEqual({ count: 1, usd: "2.7500000000" });
    batches.length = 0;

    const pacer = tg.reserve(reserve(tenantId, "pacer", "0"));
    const results = await Promise.all([
      tg.reserve(reserve(tenantId, "u1", "2", "dee")), // allowed: dee at $2.50 of $3
      tg.reserve(reserve(tenantId, "u2", "0.75", "dee")), // denied by dee's quota
      tg.reserve(reserve(tenantId, "retry", "2.75", "dee")), // denied again: a retry, not counted
      tg.reserve(reserve(tenantId, "big", "7.6")), // denied by the tenant quota ($2.50 + $7.60 > $10)
      tg.reserve(reserve(tenantId, "big", "7.6")), // the same key in the same batch: counted once
      tg.reserve(reserve(tenantId, "fits", "7.5")), // allowed: exactly $10
      pacer,
    ]);
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"], [6, "committed"]]);
    expect(results.map((r) => (r.allowed ? "allowed" : r.denial.quotaId))).toEqual([
      "allowed", userQuota, userQuota, tenantQuota, tenantQuota, "allowed", "allowed",
    ]);
    expect(await deniedOn(userQuota)).toEqual({ count: 2, usd: "3.5000000000" });
    expect(await deniedOn(tenantQuota)).toEqual({ count: 1, usd: "7.6000000000" });
    expect(await daily(tenantId)).toEqual(
      [
        { day: today(), quotaId: userQuota, userId: "dee", count: 2, usd: "3.5000000000" },
        { day: today(), quotaId: tenantQuota, userId: "", count: 1, usd: "7.6000000000" },
      ].sort((a, b) => a.quotaId.localeCompare(b.quotaId)),
    );
    expect((await tg.reconcile()).mismatches).toEqual([]);
  });

  it("a denial on a leased platform row: a reserve that does not fit the slice locks the row, and the denial counts there", async () => {
    const db = await createTestDatabase(); // a platform quota applies to every tenant of its database
    try {
      const tenantId = await createQuotaFreeTenant(db.pool, "deny-lease");
      const platform = await createQuota(db.pool, { scope: "platform", limit: "10" });
      const tenantQuota = await createQuota(db.pool, { scope: "tenant", tenantId, limit: "1000" });
      const pool = createPool(db.url, 4, { pipeline: true });
      pools.push(pool);
      const tg = createTollgate({ pool });
      expect((await tg.reserve(reserve(tenantId, "a", "1"))).allowed).toBe(true);
      const { rows: lease } = await db.pool.query(`SELECT granted_usd::text AS granted FROM quota_leases`);
      expect(lease).toEqual([{ granted: "4.5000000000" }]); // the next requests are decided on this slice
      const rawReserved = async () =>
        (await db.pool.query(`SELECT reserved_usd::text AS r FROM quota_usage WHERE quota_id = $1`, [platform])).rows[0].r;
      expect((await tg.reserve(reserve(tenantId, "b", "4"))).allowed).toBe(true);
      expect(await rawReserved()).toBe("5.5000000000"); // b was decided on the lease: the row was not written
      // $5.50 does not fit the $0.50 left of the slice: the batch locks the row and denies there.
      expect(denied(await tg.reserve(reserve(tenantId, "c", "5.5"))).quotaId).toBe(platform);
      const { rows } = await db.pool.query(
        `SELECT quota_id AS "quotaId", denied_count AS count, denied_usd::text AS usd FROM quota_usage_current ORDER BY quota_id`,
      );
      expect(rows).toEqual(
        [{ quotaId: platform, count: 1, usd: "5.5000000000" }, { quotaId: tenantQuota, count: 0, usd: "0.0000000000" }].sort((a, b) =>
          a.quotaId.localeCompare(b.quotaId),
        ),
      );
      const { rows: days } = await db.pool.query(`SELECT tenant_id, quota_id, denied_count AS count, denied_usd::text AS usd FROM denials_daily`);
      expect(days).toEqual([{ tenant_id: tenantId, quota_id: platform, count: 1, usd: "5.5000000000" }]);
      expect((await tg.reconcile()).mismatches).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

describe("the sweeper", () => {
  it("forgets a denied key after a day: a retry after that counts again", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "deny-forget");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1", period: "month" });
    const clock = testClock(new Date().toISOString());
    const tg = createTollgate({ pool: t.pool, groupCommit: false, clock });
    denied(await tg.reserve(reserve(tenantId, "k", "2")));
    const keys = async () => (await t.pool.query(`SELECT count(*)::int AS n FROM denied_keys WHERE tenant_id = $1`, [tenantId])).rows[0].n;
    expect(await keys()).toBe(1);
    await tg.sweepExpired();
    expect(await keys()).toBe(1); // kept within the day
    clock.advance(86_400_000 + 1000);
    await tg.sweepExpired();
    expect(await keys()).toBe(0);
    clock.set(new Date().toISOString());
    denied(await tg.reserve(reserve(tenantId, "k", "2")));
    expect(await deniedOn(quotaId)).toEqual({ count: 2, usd: "4.0000000000" });
  });
});
