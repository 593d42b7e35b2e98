// Pruning old periods' per-user rows (ADR 0016) against the real database: exactly the per-user
// rows of periods before the kept ones go, in batches; the current period's rows, rows an open
// hold names and every shared row stay; a second run deletes nothing; the ledger reconciles after
// it; and the analysis run that carries it prunes once across three concurrent instances.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTollgate } from "~/core/index.ts";
import { createQuota, createQuotaFreeTenant, testClock } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { runAnalysis } from "./analysis/job.server.ts";
import { pruneUserUsage } from "./usage-prune.server.ts";

const NOW = new Date("2026-12-02T12:00:00Z"); // a Wednesday: day 12-02, ISO week from Mon 11-30, month 12-01
const DAY = 86_400_000;

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => t?.drop());

const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(from) + i * DAY).toISOString());

async function userRow(quotaId: string, tenantId: string, subject: string, periodStart: string): Promise<string> {
  const { rows } = await t.pool.query(
    `INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id, spent_usd) VALUES ($1, $2, $3, $4, 1) RETURNING id`,
    [quotaId, periodStart, subject, tenantId],
  );
  return rows[0].id;
}

/** Per-user and shared rows by quota and period start (YYYY-MM-DD), sorted. */
async function remaining(quotaId: string) {
  const { rows } = await t.pool.query(
    `SELECT to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS period, subject FROM quota_usage WHERE quota_id = $1 ORDER BY 1, 2`,
    [quotaId],
  );
  return rows.map((r) => `${r.period} ${r.subject}`.trim());
}

async function hold(tenantId: string, key: string, usageIds: string[], status: "held" | "settled" | "expired") {
  await t.pool.query(
    `INSERT INTO reservations (tenant_id, resource, idempotency_key, request_hash, estimate_usd, usage_ids, status, expires_at)
     VALUES ($1, 'llm', $2, $2, 1, $3::uuid[], $4, $5)`,
    [tenantId, key, usageIds, status, new Date(NOW.getTime() + 3_600_000)],
  );
}

describe("pruneUserUsage", () => {
  it("deletes exactly the per-user rows of periods before the kept ones, in batches; keeps the current period, open holds and shared rows", async () => {
    const a = await createQuotaFreeTenant(t.pool, "prune-a");
    const b = await createQuotaFreeTenant(t.pool, "prune-b");
    const everyDay = await createQuota(t.pool, { scope: "each_user", period: "day", limit: "5" }); // the platform's
    const weekA = await createQuota(t.pool, { scope: "each_user", tenantId: a, period: "week", limit: "20" });
    const monthB = await createQuota(t.pool, { scope: "each_user", tenantId: b, resource: "all", period: "month", limit: "50" });
    const sharedDay = await createQuota(t.pool, { scope: "tenant", tenantId: a, period: "day", limit: "100" });
    // Day default: 3 users (two tenants, one id in both) × 8 days, 11-25 … 12-02.
    const ids: Record<string, string> = {};
    for (const day of days("2026-11-25", 8)) {
      for (const [tenant, user] of [[a, "u-1"], [b, "u-1"], [a, "u-2"]] as const) {
        ids[`${day.slice(0, 10)} ${tenant === a ? "a" : "b"}/${user}`] = await userRow(everyDay, tenant, user, day);
      }
      await t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, spent_usd) VALUES ($1, $2, 3)`, [sharedDay, day]);
    }
    // Week default of A: weeks from Mondays 11-09 … 11-30, two users.
    for (const week of ["2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]) {
      for (const user of ["w-1", "w-2"]) await userRow(weekA, a, user, `${week}T00:00:00Z`);
    }
    // Month default of B: September … December, one user.
    for (const month of ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]) await userRow(monthB, b, "m-1", `${month}T00:00:00Z`);
    // An open hold names a's u-2 row of 11-27: kept. Finished reservations protect nothing.
    await hold(a, "open", [ids["2026-11-27 a/u-2"]], "held");
    await hold(a, "done", [ids["2026-11-26 a/u-2"]], "settled");
    await hold(b, "gone", [ids["2026-11-26 b/u-1"]], "expired");

    const lines: string[] = [];
    const first = await pruneUserUsage(t.pool, { now: NOW, keepPeriods: 1, batchSize: 5, progress: (m) => lines.push(m) });
    // Day: 6 old days × 3 users = 18, one held → 17 (batches 5, 5, 5, 2); week: 11-09, 11-16 × 2 = 4 (one batch);
    // month: September, October = 2 (one batch).
    expect(first).toMatchObject({ deleted: 23, batches: 6, kept: 1 });
    expect(await remaining(everyDay)).toEqual(["2026-11-27 u-2", "2026-12-01 u-1", "2026-12-01 u-1", "2026-12-01 u-2", "2026-12-02 u-1", "2026-12-02 u-1", "2026-12-02 u-2"]);
    expect(await remaining(weekA)).toEqual(["2026-11-23 w-1", "2026-11-23 w-2", "2026-11-30 w-1", "2026-11-30 w-2"]);
    expect(await remaining(monthB)).toEqual(["2026-11-01 m-1", "2026-12-01 m-1"]);
    expect(await remaining(sharedDay)).toHaveLength(8); // shared rows: every period kept
    expect(lines.at(-1)).toBe("per-user usage: 23 rows deleted in 6 batches (3 defaults, 1 previous period kept), 1 old rows kept (named by open holds, or busy)");

    // Idempotent: nothing more to do.
    expect(await pruneUserUsage(t.pool, { now: NOW, keepPeriods: 1, batchSize: 5 })).toMatchObject({ deleted: 0, batches: 0, kept: 1 });

    // The hold ends: its row goes on the next run.
    await t.pool.query(`UPDATE reservations SET status = 'released' WHERE idempotency_key = 'open'`);
    expect(await pruneUserUsage(t.pool, { now: NOW, keepPeriods: 1, batchSize: 5 })).toMatchObject({ deleted: 1, batches: 1, kept: 0 });

    // Keeping no previous period still never touches the current one.
    expect(await pruneUserUsage(t.pool, { now: NOW, keepPeriods: 0, batchSize: 5 })).toMatchObject({ deleted: 3 + 2 + 1, kept: 0 });
    expect(await remaining(everyDay)).toEqual(["2026-12-02 u-1", "2026-12-02 u-1", "2026-12-02 u-2"]);
    expect(await remaining(weekA)).toEqual(["2026-11-30 w-1", "2026-11-30 w-2"]);
    expect(await remaining(monthB)).toEqual(["2026-12-01 m-1"]);
    expect(await remaining(sharedDay)).toHaveLength(8);
  });

  it("after decisions by the core: old users' rows go, the open hold's stays until swept, a backfill re-creates its row, the ledger reconciles throughout", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "prune-core");
    const perUser = await createQuota(t.pool, { scope: "each_user", tenantId, period: "day", limit: "10" });
    const tenantDay = await createQuota(t.pool, { scope: "tenant", tenantId, period: "day", limit: "100" });
    const clock = testClock("2026-11-28T10:00:00Z");
    const tg = createTollgate({ pool: t.pool, clock });
    const req = (userId: string, key: string, usd: string, ttlSeconds?: number) => ({
      tenantId, userId, resource: "llm" as const, idempotencyKey: key, estimatedCostUsd: usd, ttlSeconds,
    });
    const r1 = await tg.reserve(req("u-1", "k1", "1"));
    if (!r1.allowed) throw new Error("denied");
    await tg.settle(r1.reservationId, { actualCostUsd: "0.5" });
    await tg.record({ tenantId, userId: "u-2", resource: "llm", idempotencyKey: "k2", actualCostUsd: "0.7" });
    const open = await tg.reserve(req("u-3", "k3", "2", 86_400));
    expect(open.allowed).toBe(true);
    clock.set("2026-12-02T12:00:00Z");
    const r4 = await tg.reserve(req("u-1", "k4", "1"));
    if (!r4.allowed) throw new Error("denied");
    await tg.settle(r4.reservationId, { actualCostUsd: "0.4" });
    expect(await remaining(perUser)).toEqual(["2026-11-28 u-1", "2026-11-28 u-2", "2026-11-28 u-3", "2026-12-02 u-1"]);
    expect((await tg.reconcile()).ok).toBe(true);

    expect(await pruneUserUsage(t.pool, { now: clock(), keepPeriods: 1 })).toMatchObject({ deleted: 2, kept: 1 });
    expect(await remaining(perUser)).toEqual(["2026-11-28 u-3", "2026-12-02 u-1"]);
    expect(await tg.reconcile()).toMatchObject({ ok: true, mismatches: [] });

    // A backfill into a pruned period re-creates the user's row from the recorded spend, plus itself.
    await tg.record({ tenantId, userId: "u-2", resource: "llm", idempotencyKey: "k5", actualCostUsd: "0.3", occurredAt: new Date("2026-11-28T11:00:00Z") });
    const { rows: back } = await t.pool.query(
      `SELECT spent_usd::text AS spent FROM quota_usage WHERE quota_id = $1 AND subject = 'u-2' AND period_start = '2026-11-28T00:00:00Z'`,
      [perUser],
    );
    expect(back).toEqual([{ spent: "1.0000000000" }]);
    expect(await tg.reconcile()).toMatchObject({ ok: true, mismatches: [] });

    // The sweeper expires the old hold (releasing it from its row); the next run deletes the row.
    expect(await tg.sweepExpired()).toBe(1);
    expect(await pruneUserUsage(t.pool, { now: clock(), keepPeriods: 1 })).toMatchObject({ deleted: 2, kept: 0 });
    expect(await remaining(perUser)).toEqual(["2026-12-02 u-1"]);
    expect(await remaining(tenantDay)).toEqual(["2026-11-28", "2026-12-02"]);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n, sum(cost_usd)::text AS usd FROM cost_records`);
    expect(rows).toEqual([{ n: 4, usd: "1.9000000000" }]);
    expect(await tg.reconcile()).toMatchObject({ ok: true, mismatches: [] });

    // The expired hold settled late (money was spent): its period's row comes back with that cost.
    if (!open.allowed) throw new Error("denied");
    expect(await tg.settle(open.reservationId, { actualCostUsd: "1.5" })).toMatchObject({ status: "settled", late: true });
    expect(await remaining(perUser)).toEqual(["2026-11-28 u-3", "2026-12-02 u-1"]);
    const { rows: late } = await t.pool.query(`SELECT spent_usd::text AS spent, reserved_usd::text AS reserved FROM quota_usage WHERE quota_id = $1 AND subject = 'u-3'`, [perUser]);
    expect(late).toEqual([{ spent: "1.5000000000", reserved: "0.0000000000" }]);
    expect(await tg.reconcile()).toMatchObject({ ok: true, mismatches: [] });
  });
});

describe("in the analysis run", () => {
  it("three instances' scheduled runs at once: one runs and prunes, the others skip; exactly the old rows are gone", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "prune-once");
    const perUser = await createQuota(t.pool, { scope: "each_user", tenantId, period: "day", limit: "10" });
    for (const day of days("2026-11-20", 13)) {
      for (let u = 1; u <= 10; u++) await userRow(perUser, tenantId, `u-${u}`, day);
    }
    const runs = await Promise.all(
      [0, 1, 2].map(() => runAnalysis({ now: NOW, pool: t.pool, skipIfRanWithinMs: 3_600_000, keepUserPeriods: 1 })),
    );
    expect(runs.filter((r) => r.ran)).toHaveLength(1);
    // 11-20 … 11-30: 11 days × 10 users; 12-01 and 12-02 kept.
    expect(runs.map((r) => r.pruned.deleted).sort()).toEqual([0, 0, 110]);
    expect(runs.find((r) => r.ran)!.pruned).toEqual({ deleted: 110, batches: 1, kept: 0 });
    expect(await remaining(perUser)).toHaveLength(20);
  });
});
