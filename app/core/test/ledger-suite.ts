// The ledger's behaviour, run once per decision strategy (one transaction per decision, and
// group commit) and connection kind (pipelined, as the app runs it, or not): ledger.test.ts and
// group-commit.test.ts call ledgerSuite with their options; pgbouncer.test.ts runs it with every
// decision going through PgBouncer in transaction mode (`bouncer: true`, ADR 0012).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withDatabase } from "../../../scripts/lib/postgres.ts";
import { createPool } from "../../db/client.server.ts";
import { poolConfig } from "../../db/pg-adapter.ts";
import { startPgBouncer, viaBouncer, type PgBouncer } from "../../db/test/pgbouncer.ts";
import { createTestDatabase, type TestDatabase } from "../../db/test/test-database.ts";
import { createTollgate as create, type QuotaEvent, type TollgateOptions } from "../index.ts";
import { addLlmPrice, addSandboxPrice, createQuota, createTenant, testClock, usageOf } from "./fixtures.ts";

export function ledgerSuite(
  strategy: Pick<TollgateOptions, "groupCommit" | "statements" | "leases">,
  connections: { pipeline: boolean; bouncer?: boolean },
) {
let t: TestDatabase;
let pool: pg.Pool;
let bouncer: PgBouncer | undefined;
// Every tollgate of the suite decides on one pool: pipelined (a batch's statements go out together) or not.
const createTollgate = (o: TollgateOptions) => create({ ...o, ...strategy, pool });
beforeAll(async () => {
  t = await createTestDatabase();
  // Fixtures and checks stay on the direct pool (t.pool); the tollgates decide on `pool`.
  if (connections.bouncer) bouncer = await startPgBouncer(inject("pgAdminUrl"), [t.name]);
  const url = bouncer ? bouncer.url(t.name) : t.url;
  pool = connections.pipeline || bouncer ? createPool(url, 20, { pipeline: connections.pipeline }) : t.pool;
  await addLlmPrice(t.pool, { model: "gpt-test", input: "2", output: "8", from: "2026-01-01" });
  await addSandboxPrice(t.pool, "standard", "0.0001");
});
afterAll(async () => {
  if (pool !== t?.pool) await pool?.end();
  await bouncer?.stop();
  await t?.drop();
});

if (connections.bouncer) {
  describe("through PgBouncer", () => {
    it("the tollgates' pool reaches the database only through the bouncer: a reserve shows in its SHOW STATS", async () => {
      // The pool's database name exists only in the bouncer: PostgreSQL itself refuses it.
      const bypass = new pg.Client(poolConfig(withDatabase(t.url, viaBouncer(t.name))));
      await expect(bypass.connect()).rejects.toMatchObject({ code: "3D000" });
      const before = await bouncer!.stats(t.name);
      const tg = createTollgate({ pool });
      const tenantId = await createTenant(t.pool, "via-bouncer");
      await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1" });
      const d = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "b1", ...usd("0.5") });
      expect(d.allowed).toBe(true);
      const after = await bouncer!.stats(t.name);
      // The reserve's transaction (one at least; a batch may add a lease statement) went through it.
      expect(after.xacts - before.xacts).toBeGreaterThanOrEqual(1);
      expect((await t.pool.query(`SELECT count(*)::int AS n FROM reservations WHERE tenant_id = $1`, [tenantId])).rows[0].n).toBe(1);
    });
  });
}

const usd = (n: string | number) => ({ estimatedCostUsd: String(n) });

async function expectReconciled(tg: ReturnType<typeof createTollgate>) {
  const r = await tg.reconcile();
  expect(r.mismatches).toEqual([]);
  expect(r.ok).toBe(true);
}

describe("reserve under concurrency", () => {
  it("ten concurrent $2 reservations against $10: exactly five succeed, usage ends at exactly 10", async () => {
    const tenantId = await createTenant(t.pool, "conc-10");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const tg = createTollgate({ pool: t.pool });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tg.reserve({ tenantId, resource: "llm", idempotencyKey: `k${i}`, ...usd(2) })),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    const denied = results.filter((r) => !r.allowed);
    expect(denied).toHaveLength(5);
    expect(denied[0]).toMatchObject({ allowed: false, denial: { scope: "tenant", scopeId: tenantId } });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "10.0000000000" });

    // Settling every hold at its estimate moves exactly $10 from reserved to spent.
    for (const r of results) if (r.allowed) await tg.settle(r.reservationId, { actualCostUsd: "2" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "10.0000000000", reserved: "0.0000000000" });
    await expectReconciled(tg);
  });
});

describe("reserve + settle on three hot rows", () => {
  it("60 concurrent reserve→settle flows on platform, tenant and user rows: every row ends exact", async () => {
    const tenantId = await createTenant(t.pool, "three-rows");
    // A platform quota in its own resource and period so it sees only this test's traffic.
    const platformId = await createQuota(t.pool, { scope: "platform", resource: "sandbox", period: "week", limit: "100000" });
    const tenantQuota = await createQuota(t.pool, { scope: "tenant", tenantId, resource: "sandbox", limit: "1000" });
    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "hot-user", resource: "sandbox", period: "day", limit: "1000" });
    const clock = testClock("2026-08-05T10:00:00Z");
    const a = createTollgate({ pool: t.pool, clock });
    const b = createTollgate({ pool: t.pool, clock });
    try {
      await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const tg = i % 2 ? a : b;
          const r = await tg.reserve({ tenantId, userId: "hot-user", resource: "sandbox", idempotencyKey: `f${i}`, ...usd("0.2") });
          if (!r.allowed) throw new Error("unexpected denial");
          await tg.settle(r.reservationId, { actualCostUsd: "0.15" });
        }),
      );
      for (const id of [platformId, tenantQuota, userQuota]) {
        expect(await usageOf(t.pool, id)).toMatchObject({ spent: "9.0000000000", reserved: "0.0000000000" });
      }
      await expectReconciled(a);
    } finally {
      await t.pool.query(`DELETE FROM quotas WHERE id = $1`, [platformId]);
    }
  });
});

describe("hierarchy", () => {
  it("a user quota tighter than the tenant's binds and is named; then a platform quota tighter than both", async () => {
    const tenantId = await createTenant(t.pool, "hier");
    await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
    await createQuota(t.pool, { scope: "user", tenantId, userId: "u-1", limit: "3", period: "day" });
    const clock = testClock("2026-03-10T12:00:00Z");
    const tg = createTollgate({ pool: t.pool, clock });
    expect((await tg.reserve({ tenantId, userId: "u-1", resource: "llm", idempotencyKey: "a", ...usd(2) })).allowed).toBe(true);
    const d = await tg.reserve({ tenantId, userId: "u-1", resource: "llm", idempotencyKey: "b", ...usd(2) });
    expect(d.allowed).toBe(false);
    if (d.allowed) return;
    expect(d.denial).toMatchObject({ scope: "user", scopeId: "u-1", period: "day", retryAfterSeconds: 12 * 3600 });
    expect(d.denial.remainingUsd.toFixed(2)).toBe("1.00");
    // Another user of the same tenant is not bound by u-1's quota.
    expect((await tg.reserve({ tenantId, userId: "u-2", resource: "llm", idempotencyKey: "c", ...usd(2) })).allowed).toBe(true);

    // A platform quota tighter than both binds everyone. It is new, so it starts from the
    // period's recorded spend ($0: the holds above are not spend) and has $1.50 of room.
    await createQuota(t.pool, { scope: "platform", resource: "llm", period: "week", limit: "1.5" });
    try {
      const p = await tg.reserve({ tenantId, userId: "u-2", resource: "llm", idempotencyKey: "d", ...usd(2) });
      expect(p.allowed).toBe(false);
      if (!p.allowed) expect(p.denial).toMatchObject({ scope: "platform", scopeId: null, period: "week", retryAfterSeconds: 5 * 86400 + 12 * 3600 });
      expect((await tg.reserve({ tenantId, userId: "u-2", resource: "llm", idempotencyKey: "e", ...usd(1.5) })).allowed).toBe(true);
    } finally {
      await t.pool.query(`DELETE FROM quotas WHERE scope = 'platform'`);
    }
  });

  it("an `all` quota counts LLM and sandbox spend together", async () => {
    const tenantId = await createTenant(t.pool, "all-res");
    const allId = await createQuota(t.pool, { scope: "tenant", tenantId, resource: "all", limit: "1" });
    const tg = createTollgate({ pool: t.pool });
    const llm = await tg.record({ tenantId, resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 100_000, outputTokens: 50_000, idempotencyKey: "l1" });
    expect(llm).toMatchObject({ allowed: true });
    if (llm.allowed) expect(llm.costUsd.toFixed(10)).toBe("0.6000000000"); // 0.1M×$2 + 0.05M×$8
    const sb = await tg.record({ tenantId, resource: "sandbox", tier: "standard", durationMs: 3_000_000, idempotencyKey: "s1" });
    expect(sb).toMatchObject({ allowed: true }); // 3000 s × $0.0001 = $0.30 → $0.90 total
    const over = await tg.record({ tenantId, resource: "sandbox", tier: "standard", durationMs: 2_000_000, idempotencyKey: "s2" });
    expect(over.allowed).toBe(false);
    if (!over.allowed) expect(over.denial).toMatchObject({ scope: "tenant", resourceType: "all" });
    expect(await usageOf(t.pool, allId)).toMatchObject({ spent: "0.9000000000", reserved: "0.0000000000" });
    await expectReconciled(tg);
  });
});

describe("idempotency", () => {
  it("the same reserve key fired 20 times at once holds once; settle and record likewise record once", async () => {
    const tenantId = await createTenant(t.pool, "idem");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "50" });
    const tg = createTollgate({ pool: t.pool });
    const req = { tenantId, resource: "llm" as const, idempotencyKey: "same", ...usd("1.5") };
    const rs = await Promise.all(Array.from({ length: 20 }, () => tg.reserve(req)));
    const ids = new Set(rs.map((r) => (r.allowed ? r.reservationId : "denied")));
    expect(ids.size).toBe(1);
    expect(rs.filter((r) => r.allowed && !r.replay)).toHaveLength(1);
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "1.5000000000" });

    const [id] = ids;
    const settles = await Promise.all(Array.from({ length: 20 }, () => tg.settle(id, { actualCostUsd: "1.25" })));
    expect(new Set(settles.map((s) => s.costRecordId)).size).toBe(1);
    expect(settles.filter((s) => !s.replay)).toHaveLength(1);

    const recs = await Promise.all(
      Array.from({ length: 20 }, () => tg.record({ tenantId, resource: "llm", idempotencyKey: "once", actualCostUsd: "0.5" })),
    );
    expect(new Set(recs.map((r) => (r.allowed ? r.costRecordId : "x"))).size).toBe(1);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n, sum(cost_usd)::text AS total FROM cost_records WHERE tenant_id = $1`, [tenantId]);
    expect(rows[0]).toEqual({ n: 2, total: "1.7500000000" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "1.7500000000", reserved: "0.0000000000" });

    await expect(tg.reserve({ ...req, estimatedCostUsd: "2" })).rejects.toMatchObject({ code: "conflict" });
    await expect(tg.record({ tenantId, resource: "llm", idempotencyKey: "once", actualCostUsd: "0.6" })).rejects.toMatchObject({ code: "conflict" });
    await expectReconciled(tg);
  });

  it("a released reservation cannot be settled (conflict) and holds nothing", async () => {
    const tenantId = await createTenant(t.pool, "rel");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "5" });
    const tg = createTollgate({ pool: t.pool });
    const r = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "r", ...usd(3) });
    if (!r.allowed) throw new Error("expected allowed");
    expect(await tg.release(r.reservationId)).toEqual({ reservationId: r.reservationId, status: "released" });
    expect(await tg.release(r.reservationId)).toEqual({ reservationId: r.reservationId, status: "released" });
    await expect(tg.settle(r.reservationId, { actualCostUsd: "1" })).rejects.toMatchObject({ code: "conflict" });
    await expect(tg.settle("00000000-0000-0000-0000-000000000000", { actualCostUsd: "1" })).rejects.toMatchObject({ code: "not_found" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "0.0000000000" });
  });
});

describe("a caller bound to one tenant", () => {
  it("cannot settle or release another tenant's reservation (forbidden, nothing written), from this process or another", async () => {
    const owner = await createTenant(t.pool, "bound-owner");
    const other = await createTenant(t.pool, "bound-other");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId: owner, limit: "5" });
    const tg = createTollgate({ pool: t.pool });
    const r = await tg.reserve({ tenantId: owner, resource: "llm", idempotencyKey: "b", ...usd(2) });
    if (!r.allowed) throw new Error("expected allowed");
    // `tg` made the reservation (known in memory); `stranger` must read it first.
    const stranger = createTollgate({ pool: t.pool });
    for (const g of [tg, stranger]) {
      await expect(g.settle(r.reservationId, { actualCostUsd: "1" }, { tenantId: other })).rejects.toMatchObject({ code: "forbidden" });
      await expect(g.release(r.reservationId, { tenantId: other })).rejects.toMatchObject({ code: "forbidden" });
    }
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "2.0000000000" });
    // The owner's own scope settles it.
    expect(await stranger.settle(r.reservationId, { actualCostUsd: "1.5" }, { tenantId: owner })).toMatchObject({ reservationId: r.reservationId, replay: false });
    await expect(tg.settle(r.reservationId, { actualCostUsd: "1.5" }, { tenantId: other })).rejects.toMatchObject({ code: "forbidden" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "1.5000000000", reserved: "0.0000000000" });
    await expectReconciled(tg);
  });
});

describe("pricing", () => {
  it("uses the price in effect at the usage time: before and after a change", async () => {
    await addLlmPrice(t.pool, { model: "gpt-change", input: "1", output: "2", from: "2026-01-01", to: "2026-03-15T12:00:00Z" });
    await addLlmPrice(t.pool, { model: "gpt-change", input: "10", output: "20", from: "2026-03-15T12:00:00Z" });
    const tenantId = await createTenant(t.pool, "price-change");
    const clock = testClock("2026-03-15T11:59:59.999Z");
    const tg = createTollgate({ pool: t.pool, clock });
    const usage = { tenantId, resource: "llm" as const, provider: "openai", model: "gpt-change", inputTokens: 1_000_000, outputTokens: 1_000_000 };
    const before = await tg.record({ ...usage, idempotencyKey: "before" });
    clock.set("2026-03-15T12:00:00Z");
    const after = await tg.record({ ...usage, idempotencyKey: "after" });
    expect(before.allowed && before.costUsd.toFixed(2)).toBe("3.00");
    expect(after.allowed && after.costUsd.toFixed(2)).toBe("30.00");
    // A reservation made before the change and settled after it is priced at reservation time.
    clock.set("2026-03-15T11:00:00Z");
    const r = await tg.reserve({ tenantId, resource: "llm", provider: "openai", model: "gpt-change", inputTokens: 1000, maxOutputTokens: 1000, idempotencyKey: "res" });
    clock.set("2026-03-15T13:00:00Z");
    if (!r.allowed) throw new Error("expected allowed");
    expect(r.estimatedCostUsd.toFixed(10)).toBe("0.0030000000");
    const s = await tg.settle(r.reservationId, { inputTokens: 500_000, outputTokens: 0 });
    expect(s.actualCostUsd.toFixed(10)).toBe("0.5000000000");
    await expect(tg.record({ ...usage, model: "nope", idempotencyKey: "x" })).rejects.toMatchObject({ code: "unknown_price" });
  });
});

describe("expiry", () => {
  it("the sweeper releases stale holds; a late settle still records the cost; TTL bounds are enforced", async () => {
    const tenantId = await createTenant(t.pool, "expiry");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const clock = testClock("2026-04-01T10:00:00Z");
    const tg = createTollgate({ pool: t.pool, clock });
    const a = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "a", ttlSeconds: 60, ...usd(4) });
    const b = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "b", ttlSeconds: 600, ...usd(4) });
    if (!a.allowed || !b.allowed) throw new Error("expected allowed");
    clock.advance(61_000);
    // The sweeper is global: holds left by earlier tests (March clocks) expire too.
    expect(await tg.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(await tg.sweepExpired()).toBe(0);
    const { rows } = await t.pool.query(`SELECT idempotency_key AS k, status FROM reservations WHERE tenant_id = $1 ORDER BY 1`, [tenantId]);
    expect(rows).toEqual([{ k: "a", status: "expired" }, { k: "b", status: "held" }]);
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "4.0000000000" });
    const late = await tg.settle(a.reservationId, { actualCostUsd: "3.5" });
    expect(late).toMatchObject({ late: true, status: "settled" });
    expect(late.warnings.map((w) => w.code)).toContain("late_settle");
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "3.5000000000", reserved: "4.0000000000" });
    await expectReconciled(tg);

    await expect(tg.reserve({ tenantId, resource: "llm", idempotencyKey: "c", ttlSeconds: 0, ...usd(1) })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(tg.reserve({ tenantId, resource: "llm", idempotencyKey: "d", ttlSeconds: 86_401, ...usd(1) })).rejects.toMatchObject({ code: "invalid_request" });
  });
});

describe("sweeper on several instances", () => {
  it("three tollgates sweeping at once expire each hold exactly once", async () => {
    const tenantId = await createTenant(t.pool, "sweep-many");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1000" });
    const clock = testClock("2026-07-01T08:00:00Z");
    const instances = [0, 1, 2].map(() => createTollgate({ pool: t.pool, clock }));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        instances[i % 3].reserve({ tenantId, resource: "llm", idempotencyKey: `h${i}`, ttlSeconds: 30, ...usd("0.5") }),
      ),
    );
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "150.0000000000" });
    clock.advance(31_000);
    await Promise.all(instances.map((i) => i.sweepExpired()));
    const { rows } = await t.pool.query(
      `SELECT status, count(*)::int AS n FROM reservations WHERE tenant_id = $1 GROUP BY status`,
      [tenantId],
    );
    expect(rows).toEqual([{ status: "expired", n: 300 }]);
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "0.0000000000", spent: "0.0000000000" });
    await expectReconciled(instances[0]);
  });
});

describe("threshold notifications", () => {
  it("fire once each at 80, 90 and 100% when 50 requests cross them together", async () => {
    const tenantId = await createTenant(t.pool, "thresholds");
    await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10", thresholds: [80, 90] });
    const events: QuotaEvent[] = [];
    const tg = createTollgate({
      pool: t.pool,
      hooks: { onQuotaWarning: (e) => void events.push(e), onQuotaExceeded: (e) => void events.push(e) },
    });
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => tg.reserve({ tenantId, resource: "llm", idempotencyKey: `t${i}`, ...usd("0.25") })),
    );
    expect(rs.filter((r) => r.allowed)).toHaveLength(40);
    expect(events.map((e) => `${e.kind}:${e.thresholdPercent}`).sort()).toEqual(["exceeded:100", "warning:80", "warning:90"]);
    expect(events.find((e) => e.thresholdPercent === 80)?.utilizationPercent).toBe(80);
  });
});

describe("enforcement switches", () => {
  it("off: over-limit requests are allowed with a warning and the ledger stays exact", async () => {
    const tenantId = await createTenant(t.pool, "enforce-off");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, resource: "sandbox", limit: "1" });
    const tg = createTollgate({ pool: t.pool, enforcement: { sandbox: false } });
    const rs = await Promise.all(
      Array.from({ length: 4 }, (_, i) => tg.reserve({ tenantId, resource: "sandbox", idempotencyKey: `e${i}`, ...usd("0.4") })),
    );
    expect(rs.every((r) => r.allowed)).toBe(true);
    expect(rs.flatMap((r) => r.warnings.map((w) => w.code))).toContain("enforcement_disabled");
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "1.6000000000" });
    await expectReconciled(tg);
    // LLM enforcement is still on for the same tollgate.
    await createQuota(t.pool, { scope: "tenant", tenantId, resource: "llm", limit: "1" });
    expect((await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "llm", ...usd(2) })).allowed).toBe(false);
  });
});

describe("quota created mid-period", () => {
  it("starts from the period's recorded spend", async () => {
    const tenantId = await createTenant(t.pool, "mid-period");
    const clock = testClock("2026-05-20T09:00:00Z");
    const tg = createTollgate({ pool: t.pool, clock });
    await tg.record({ tenantId, resource: "llm", idempotencyKey: "early", actualCostUsd: "40" });
    clock.set("2026-04-30T09:00:00Z"); // last month: not counted
    await tg.record({ tenantId, resource: "llm", idempotencyKey: "april", actualCostUsd: "7", occurredAt: new Date("2026-04-30T09:00:00Z") });
    clock.set("2026-05-20T10:00:00Z");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
    const status = await tg.quotaStatus({ tenantId, resource: "llm" });
    const q = status.find((s) => s.quotaId === quotaId)!;
    expect(q.spentUsd.toFixed(10)).toBe("40.0000000000");
    expect(q.remainingUsd.toFixed(2)).toBe("60.00");
    expect(q.resetsAt.toISOString()).toBe("2026-06-01T00:00:00.000Z");
    await expectReconciled(tg);
  });
});
}
