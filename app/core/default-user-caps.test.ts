// Per-user defaults (`each_user`, ADR 0016) against the real database: a default cap applies to
// each end user separately, its row created on the user's first use in the period under the same
// lock order and exactness as every other row — across OS processes, for one brand-new user
// hit by concurrent first requests (the LiteLLM #40095 case) and for many new users at once.
// Each test has its own database: platform defaults apply to every tenant in it.
import { describe, expect, it } from "vitest";
import { createTollgate, quotaExceededBody, type QuotaEvent } from "./index.ts";
import { databasePerTest } from "./test/database-per-test.ts";
import { createQuota, createQuotaFreeTenant, testClock, userUsageOf } from "./test/fixtures.ts";
import { spawnWorker } from "./test/processes.ts";

const db = databasePerTest();
const tollgate = db.tollgate;

const reserve = (tenantId: string, userId: string | undefined, key: string, usd: string) => ({
  tenantId, userId, resource: "llm" as const, idempotencyKey: key, estimatedCostUsd: usd,
});

async function userRows(quotaId: string) {
  const { rows } = await db.t.pool.query(
    `SELECT subject, subject_tenant_id AS "tenantId", spent_usd::text AS spent, reserved_usd::text AS reserved
       FROM quota_usage_current WHERE quota_id = $1 ORDER BY subject`,
    [quotaId],
  );
  return rows as { subject: string; tenantId: string; spent: string; reserved: string }[];
}

async function expectReconciled() {
  const r = await createTollgate({ pool: db.t.pool }).reconcile();
  expect(r.mismatches).toEqual([]);
  expect(r.ok).toBe(true);
}

describe.each(["one-transaction-per-decision", "group-commit"])("across OS processes (%s)", (strategy) => {
  it("4 processes × 50 concurrent first requests of ONE new user, $0.10 each against a $1 default: exactly 10 allowed", { timeout: 240_000 }, async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "first-requests");
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "1" });
    expect(await userUsageOf(db.t.pool, defaultId, tenantId, "newcomer")).toBeUndefined(); // never seen before
    const workers = Array.from({ length: 4 }, (_, i) =>
      spawnWorker("app/core/test/reserve-worker.ts", [db.t.url, tenantId, "50", `p${i}`, "0.10", strategy, "platform", "newcomer"]),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write("go\n");
    const results = await Promise.all(workers.map((w) => w.result));
    expect(results.reduce((s, r) => s + r.allowed, 0)).toBe(10);
    expect(results.reduce((s, r) => s + r.denied, 0)).toBe(190);
    // One row for the user, holding exactly the limit; every denial counted on it.
    expect(await userRows(defaultId)).toEqual([{ subject: "newcomer", tenantId, spent: "0.0000000000", reserved: "1.0000000000" }]);
    const { rows } = await db.t.pool.query(`SELECT denied_count FROM quota_usage WHERE quota_id = $1`, [defaultId]);
    expect(rows).toEqual([{ denied_count: 190 }]);
    await expectReconciled();
  });

  it("4 processes × 250 requests of 1,000 distinct new users: each gets their own allowance", { timeout: 240_000 }, async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "many-new-users");
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "1" });
    const workers = Array.from({ length: 4 }, (_, i) =>
      spawnWorker("app/core/test/reserve-worker.ts", [db.t.url, tenantId, "250", `p${i}`, "0.60", strategy, "platform", "*"]),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write("go\n");
    const results = await Promise.all(workers.map((w) => w.result));
    expect(results.reduce((s, r) => s + r.allowed, 0)).toBe(1000);
    const rows = await userRows(defaultId);
    expect(rows).toHaveLength(1000);
    expect(rows.every((r) => r.reserved === "0.6000000000" && r.spent === "0.0000000000" && r.tenantId === tenantId)).toBe(true);

    // A second $0.60 of each user does not fit their own $1: all 1,000 denied, each naming its user.
    const tg = tollgate({ groupCommit: strategy === "group-commit" });
    const again = await Promise.all(
      Array.from({ length: 1000 }, (_, j) => tg.reserve(reserve(tenantId, `p${j % 4}-${Math.floor(j / 4)}`, `again-${j}`, "0.60"))),
    );
    expect(again.filter((d) => d.allowed)).toHaveLength(0);
    expect(new Set(again.map((d) => (d.allowed ? null : `${d.denial.scope}:${d.denial.scopeId}:${d.denial.quotaId}`))).size).toBe(1000);
    expect(again[5]).toMatchObject({ allowed: false, denial: { scope: "each_user", scopeId: "p1-1", quotaId: defaultId } });
    await expectReconciled();
  });
});

describe("which defaults apply", () => {
  it("a user's own quota replaces the tenant's default for that resource and period; the platform default still applies on top", async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "override");
    const clock = testClock("2026-12-02T12:00:00Z");
    const tenantDefault = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "1" });
    const platformDefault = await createQuota(db.t.pool, { scope: "each_user", period: "day", limit: "4" });
    await createQuota(db.t.pool, { scope: "user", tenantId, userId: "vip", period: "day", limit: "5" });
    const tg = tollgate({ clock });

    // vip: the tenant's $1 default does not apply (their own $5 does), so $3 fits.
    expect(await tg.reserve(reserve(tenantId, "vip", "v1", "3"))).toMatchObject({ allowed: true });
    // … but the platform's $4 per-user default still does: $3 + $2 > $4.
    const capped = await tg.reserve(reserve(tenantId, "vip", "v2", "2"));
    expect(capped).toMatchObject({ allowed: false, denial: { scope: "each_user", scopeId: "vip", quotaId: platformDefault } });
    expect(await userUsageOf(db.t.pool, tenantDefault, tenantId, "vip")).toBeUndefined(); // never created for vip
    expect(await userUsageOf(db.t.pool, platformDefault, tenantId, "vip")).toMatchObject({ reserved: "3.0000000000" });

    // Another user has no quota of their own: the tenant's $1 default binds.
    const plain = await tg.reserve(reserve(tenantId, "plain", "p1", "1.5"));
    expect(plain).toMatchObject({ allowed: false, denial: { scope: "each_user", scopeId: "plain", quotaId: tenantDefault } });
    expect(await tg.reserve(reserve(tenantId, "plain", "p2", "1"))).toMatchObject({ allowed: true });

    // A request without an end user meets no per-user default at all, and creates no row.
    expect(await tg.reserve(reserve(tenantId, undefined, "anon", "50"))).toMatchObject({ allowed: true });
    const { rows } = await db.t.pool.query(`SELECT count(*)::int AS n FROM quota_usage WHERE subject = ''`);
    expect(rows[0].n).toBe(1); // vip's own quota only
    await expectReconciled();
  });

  it("a platform default applies to the end users of every tenant, each user counted per tenant", async () => {
    const a = await createQuotaFreeTenant(db.t.pool, "tenant-a");
    const b = await createQuotaFreeTenant(db.t.pool, "tenant-b");
    const platformDefault = await createQuota(db.t.pool, { scope: "each_user", period: "month", limit: "2" });
    // Leasing every scope a lease can name: per-user rows are still never leased (ADR 0016).
    const tg = tollgate({ leases: { scopes: ["platform", "tenant", "user"] } });
    // The same user id in two tenants is two end users.
    expect(await tg.reserve(reserve(a, "u1", "a1", "2"))).toMatchObject({ allowed: true });
    expect(await tg.reserve(reserve(b, "u1", "b1", "2"))).toMatchObject({ allowed: true });
    expect(await tg.reserve(reserve(a, "u1", "a2", "0.01"))).toMatchObject({ allowed: false, denial: { scope: "each_user", scopeId: "u1" } });
    expect((await userRows(platformDefault)).map((r) => [r.subject, r.tenantId, r.reserved]).sort()).toEqual(
      [["u1", a, "2.0000000000"], ["u1", b, "2.0000000000"]].sort(),
    );
    const { rows } = await db.t.pool.query(`SELECT count(*)::int AS n FROM quota_leases`);
    expect(rows[0].n).toBe(0);
    await expectReconciled();
  });

  it("a disabled default stops applying mid-period, and counts again from the recorded spend when re-enabled", async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "disabled");
    const clock = testClock("2026-12-02T09:00:00Z");
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "1" });
    const tg = tollgate({ clock });
    const first = await tg.reserve(reserve(tenantId, "u", "k1", "0.8"));
    if (!first.allowed) throw new Error("expected an allowance");
    await tg.settle(first.reservationId, { actualCostUsd: "0.8" });
    expect(await tg.reserve(reserve(tenantId, "u", "k2", "0.5"))).toMatchObject({ allowed: false, denial: { scope: "each_user", scopeId: "u" } });

    await db.t.pool.query(`UPDATE quotas SET enabled = false WHERE id = $1`, [defaultId]);
    const free = await tg.reserve(reserve(tenantId, "u", "k3", "0.5"));
    if (!free.allowed) throw new Error("a disabled default must not deny");
    await tg.settle(free.reservationId, { actualCostUsd: "0.5" });
    await expectReconciled();

    // Re-enabled as the quota service does it (its current row deleted): the user's row is
    // re-created from the day's recorded spend, $1.30, over the $1 cap.
    await db.t.pool.query(`UPDATE quotas SET enabled = true WHERE id = $1`, [defaultId]);
    await db.t.pool.query(`DELETE FROM quota_usage WHERE quota_id = $1`, [defaultId]);
    expect(await tg.reserve(reserve(tenantId, "u", "k4", "0.01"))).toMatchObject({ allowed: false, denial: { scope: "each_user", scopeId: "u" } });
    expect(await userUsageOf(db.t.pool, defaultId, tenantId, "u")).toMatchObject({ spent: "1.3000000000", reserved: "0.0000000000" });
    await expectReconciled();
  });

  it("a default created mid-period starts each user's row from what they already spent in it", async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "mid-period");
    const clock = testClock("2026-12-02T09:00:00Z");
    const tg = tollgate({ clock });
    const rec = await tg.record({ tenantId, userId: "early", resource: "llm", idempotencyKey: "r1", actualCostUsd: "0.7" });
    expect(rec.allowed).toBe(true);
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "1" });
    expect(await tg.reserve(reserve(tenantId, "early", "k1", "0.5"))).toMatchObject({ allowed: false, denial: { currentSpendUsd: expect.anything() } });
    expect(await userUsageOf(db.t.pool, defaultId, tenantId, "early")).toMatchObject({ spent: "0.7000000000" });
    expect(await tg.reserve(reserve(tenantId, "early", "k2", "0.3"))).toMatchObject({ allowed: true });
    await expectReconciled();
  });
});

describe("what a denial and a notification say", () => {
  it("the 429 names scope each_user and the user; warnings and exceeded fire once per user and period", async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "named");
    const clock = testClock("2026-12-02T18:00:00Z");
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "1", thresholds: [80] });
    const events: QuotaEvent[] = [];
    const tg = tollgate({ clock, hooks: { onQuotaWarning: (e) => void events.push(e), onQuotaExceeded: (e) => void events.push(e) } });
    for (const user of ["ann", "bob"]) {
      // Two requests cross 80% together; the third is denied, the fourth too (exceeded fires once).
      await Promise.all([tg.reserve(reserve(tenantId, user, `${user}-1`, "0.45")), tg.reserve(reserve(tenantId, user, `${user}-2`, "0.45"))]);
      await tg.reserve(reserve(tenantId, user, `${user}-3`, "0.2"));
      await tg.reserve(reserve(tenantId, user, `${user}-4`, "0.2"));
    }
    const denied = await tg.reserve(reserve(tenantId, "ann", "ann-5", "0.25"));
    if (denied.allowed) throw new Error("expected a denial");
    expect(quotaExceededBody(denied.denial, "llm")).toEqual({
      error: "quota_exceeded",
      message: expect.stringContaining("for user ann"),
      resourceType: "llm",
      quotaDetails: {
        scope: "each_user", scopeId: "ann", resourceType: "llm", limitUsd: 1, currentSpendUsd: 0.9, estimatedCostUsd: 0.25,
        remainingUsd: 0.1, period: "day", utilizationPercent: 90,
      },
      retryAfter: 6 * 3600,
    });
    expect(events.map((e) => [e.kind, e.scope, e.scopeId, e.tenantId, e.quotaId, e.thresholdPercent])).toEqual([
      ["warning", "each_user", "ann", tenantId, defaultId, 80],
      ["exceeded", "each_user", "ann", tenantId, defaultId, 100],
      ["warning", "each_user", "bob", tenantId, defaultId, 80],
      ["exceeded", "each_user", "bob", tenantId, defaultId, 100],
    ]);
  });

  it("quota-status lists the default that applies to a user with that user's figures", async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "status");
    const clock = testClock("2026-12-02T18:00:00Z");
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, period: "day", limit: "2" });
    const tg = tollgate({ clock });
    await tg.reserve(reserve(tenantId, "carol", "c1", "0.5"));
    const status = await tg.quotaStatus({ tenantId, userId: "carol" });
    expect(status.map((s) => ({ ...s, limitUsd: s.limitUsd.toFixed(2), spentUsd: s.spentUsd.toFixed(2), reservedUsd: s.reservedUsd.toFixed(2), remainingUsd: s.remainingUsd.toFixed(2) }))).toEqual([
      {
        quotaId: defaultId, scope: "each_user", scopeId: "carol", resourceType: "llm", period: "day",
        periodStart: new Date("2026-12-02T00:00:00Z"), resetsAt: new Date("2026-12-03T00:00:00Z"),
        limitUsd: "2.00", spentUsd: "0.00", reservedUsd: "0.50", remainingUsd: "1.50", utilizationPercent: 25, enforcement: "hard",
      },
    ]);
    // A user never seen this period: the default with their spend so far (a record today), and
    // no row written by the read (rows only for users who used the default).
    await tg.record({ tenantId, userId: "dan", resource: "sandbox", idempotencyKey: "r1", actualCostUsd: "0.3" });
    const unseen = await tg.quotaStatus({ tenantId, userId: "dan", resource: "llm" });
    expect(unseen.map((s) => [s.quotaId, s.scope, s.scopeId, s.spentUsd.toFixed(2), s.reservedUsd.toFixed(2), s.remainingUsd.toFixed(2)])).toEqual([
      [defaultId, "each_user", "dan", "0.00", "0.00", "2.00"],
    ]);
    expect(await userUsageOf(db.t.pool, defaultId, tenantId, "dan")).toBeUndefined();
  });

  it("quota-status of a user with recorded spend but no row yet reports that spend and writes nothing", async () => {
    const tenantId = await createQuotaFreeTenant(db.t.pool, "status-unborn");
    const clock = testClock("2026-12-02T18:00:00Z");
    const tg = tollgate({ clock });
    await tg.record({ tenantId, userId: "erin", resource: "llm", idempotencyKey: "r1", actualCostUsd: "0.4" });
    const defaultId = await createQuota(db.t.pool, { scope: "each_user", tenantId, resource: "all", period: "week", limit: "1" });
    const status = await tg.quotaStatus({ tenantId, userId: "erin" });
    expect(status.map((s) => [s.quotaId, s.scopeId, s.spentUsd.toFixed(2), s.remainingUsd.toFixed(2), s.utilizationPercent])).toEqual([[defaultId, "erin", "0.40", "0.60", 40]]);
    const { rows } = await db.t.pool.query(`SELECT count(*)::int AS n FROM quota_usage WHERE quota_id = $1`, [defaultId]);
    expect(rows[0].n).toBe(0);
  });
});
