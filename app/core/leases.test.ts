// Budget leases (ADR 0009) against the real database: several holders (tollgates in this
// process, and separate OS processes) decide a platform quota on their own slices, and the
// guarantee stays exact — the serial count allowed, no denial while budget is truly free, a
// dead holder's slice returned, the ledger reconciled. Each test uses its own database: a
// platform quota applies to every tenant in it.
import { describe, expect, inject, it } from "vitest";
import { startPgBouncer, type PgBouncer } from "../db/test/pgbouncer.ts";
import { createTollgate, type QuotaEvent } from "./index.ts";
import { databasePerTest } from "./test/database-per-test.ts";
import { createQuota, createTenant, testClock, usageOf } from "./test/fixtures.ts";
import { spawnWorker } from "./test/processes.ts";

const db = databasePerTest();
const holder = db.tollgate;

const reserve = (tenantId: string, key: string, usd: string) => ({ tenantId, resource: "llm" as const, idempotencyKey: key, estimatedCostUsd: usd });

async function leases(quotaId: string) {
  const { rows } = await db.t.pool.query(
    `SELECT l.holder, l.granted_usd::text AS granted, l.reserved_usd::text AS reserved, l.spent_usd::text AS spent, l.returned_at IS NOT NULL AS returned
       FROM quota_leases l JOIN quota_usage u ON u.id = l.usage_id WHERE u.quota_id = $1 ORDER BY l.created_at`,
    [quotaId],
  );
  return rows as { holder: string; granted: string; reserved: string; spent: string; returned: boolean }[];
}

async function rawUsage(quotaId: string) {
  const { rows } = await db.t.pool.query(`SELECT spent_usd::text AS spent, reserved_usd::text AS reserved FROM quota_usage WHERE quota_id = $1`, [quotaId]);
  return rows[0] as { spent: string; reserved: string };
}

describe("one holder", () => {
  it("takes half the headroom as a slice after its first batch, decides on it without the row, and the true figures stay exact", async () => {
    const tenantId = await createTenant(db.t.pool, "solo");
    const quotaId = await createQuota(db.t.pool, { scope: "platform", limit: "100" });
    const a = holder();
    const first = await a.reserve(reserve(tenantId, "k1", "10"));
    expect(first.allowed).toBe(true);
    // After the first batch: $10 held on the row itself, and a slice of half of the $90 left.
    expect(await leases(quotaId)).toEqual([{ holder: expect.stringMatching(/:\d+:[0-9a-f]{8}$/), granted: "45.0000000000", reserved: "0.0000000000", spent: "0.0000000000", returned: false }]);
    expect(await rawUsage(quotaId)).toEqual({ spent: "0.0000000000", reserved: "55.0000000000" });
    expect(await usageOf(db.t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "10.0000000000" });

    // The next reservations are decided on the slice: the row is not written.
    const second = await a.reserve(reserve(tenantId, "k2", "20"));
    if (!second.allowed) throw new Error("denied");
    expect(await rawUsage(quotaId)).toEqual({ spent: "0.0000000000", reserved: "55.0000000000" });
    expect((await leases(quotaId))[0]).toMatchObject({ granted: "45.0000000000", reserved: "20.0000000000" });
    await a.settle(second.reservationId, { actualCostUsd: "15" });
    expect((await leases(quotaId))[0]).toMatchObject({ reserved: "0.0000000000", spent: "15.0000000000" });
    expect(await usageOf(db.t.pool, quotaId)).toMatchObject({ spent: "15.0000000000", reserved: "10.0000000000" });
    expect((await a.reconcile()).mismatches).toEqual([]);
    // quota-status shows the true figures.
    const [status] = await a.quotaStatus({ tenantId, resource: "llm" });
    expect(status).toMatchObject({ quotaId, scope: "platform" });
    expect(status.spentUsd.toFixed(2)).toBe("15.00");
    expect(status.reservedUsd.toFixed(2)).toBe("10.00");
    expect(status.remainingUsd.toFixed(2)).toBe("75.00");
  });
});

describe("two holders near the limit", () => {
  it("a request the budget can take is never denied because another holder keeps an unused slice: the slice is trimmed", async () => {
    const tenantId = await createTenant(db.t.pool, "trim");
    const quotaId = await createQuota(db.t.pool, { scope: "platform", limit: "10" });
    const a = holder();
    const b = holder();
    expect((await a.reserve(reserve(tenantId, "a1", "1"))).allowed).toBe(true);
    // A now holds a slice of half the $9 left: $4.50, unused.
    expect((await leases(quotaId))[0]).toMatchObject({ granted: "4.5000000000", reserved: "0.0000000000" });
    // B needs $9: only $4.50 is free on the row, but $9 truly is. A's slice is cut to what it uses.
    const big = await b.reserve(reserve(tenantId, "b1", "9"));
    expect(big.allowed).toBe(true);
    expect((await leases(quotaId))[0]).toMatchObject({ granted: "0.0000000000", reserved: "0.0000000000" });
    // The budget is now exactly used: A's next request is denied (it runs again with the row locked).
    const late = await a.reserve(reserve(tenantId, "a2", "0.5"));
    expect(late.allowed).toBe(false);
    if (late.allowed) return;
    expect(late.denial).toMatchObject({ quotaId, scope: "platform" });
    expect(late.denial.currentSpendUsd.toFixed(2)).toBe("10.00");
    expect(late.denial.remainingUsd.toFixed(2)).toBe("0.00");
    expect(await usageOf(db.t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "10.0000000000" });
    expect((await a.reconcile()).mismatches).toEqual([]);
  });

  it("threshold notifications fire once each, when the true spend crosses them, whichever holder sees it", async () => {
    const tenantId = await createTenant(db.t.pool, "thresholds");
    const quotaId = await createQuota(db.t.pool, { scope: "platform", limit: "10", thresholds: [50, 80] });
    const events: QuotaEvent[] = [];
    const hooks = { onQuotaWarning: async (e: QuotaEvent) => void events.push(e), onQuotaExceeded: async (e: QuotaEvent) => void events.push(e) };
    const clock = testClock("2026-12-02T10:00:00Z");
    const a = holder({ hooks, clock });
    const b = holder({ hooks, clock });
    let allowed = 0;
    for (let i = 0; i < 24; i++) {
      const d = await (i % 2 ? b : a).reserve(reserve(tenantId, `r${i}`, "0.5"));
      if (d.allowed) allowed++;
    }
    expect(allowed).toBe(20); // the serial answer: 20 × $0.50 = $10
    const fired = events.filter((e) => e.quotaId === quotaId).map((e) => [e.kind, e.thresholdPercent]);
    expect(fired).toEqual([["warning", 50], ["warning", 80], ["exceeded", 100]]);
    // Each at or past its threshold, at most one request ($0.50 = 5%) and the unused slices of the other holder past it.
    for (const e of events.filter((x) => x.kind === "warning")) {
      expect(e.utilizationPercent).toBeGreaterThanOrEqual(e.thresholdPercent);
      expect(e.utilizationPercent).toBeLessThan(e.thresholdPercent + 10);
    }
    expect((await a.reconcile()).mismatches).toEqual([]);
  });
});

describe("across OS processes", () => {
  // The last case: the workers through PgBouncer in transaction mode, statements unnamed (ADR 0012).
  it.each([["platform", "direct"], ["platform,tenant", "direct"], ["platform,tenant", "pgbouncer"]])(
    "4 processes × 125 concurrent 10-cent reservations against a 10-dollar budget (leasing %s rows, %s): exactly 100 allowed, leases taken",
    async (scopes, via) => {
      const tenantId = await createTenant(db.t.pool, "procs");
      const platform = await createQuota(db.t.pool, { scope: "platform", limit: "10" });
      const tenant = await createQuota(db.t.pool, { scope: "tenant", tenantId, limit: "10" });
      let bouncer: PgBouncer | undefined;
      if (via === "pgbouncer") {
        const b = (bouncer = await startPgBouncer(inject("pgAdminUrl"), [db.t.name]));
        db.endAfterTest({ end: () => b.stop() }); // stopped after the test, before its database is dropped
      }
      const workers = Array.from({ length: 4 }, (_, i) =>
        spawnWorker(
          "app/core/test/reserve-worker.ts",
          [bouncer ? bouncer.url(db.t.name) : db.t.url, tenantId, "125", `p${i}`, "0.10", "group-commit", scopes],
          bouncer ? { WORKER_STATEMENTS: "unnamed" } : {},
        ),
      );
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.stdin!.write("go\n");
      const results = await Promise.all(workers.map((w) => w.result));
      expect(results.reduce((s, r) => s + r.allowed, 0)).toBe(100);
      expect(results.reduce((s, r) => s + r.denied, 0)).toBe(400);
      // Leasing happened (the test would pass vacuously otherwise): platform slices were granted.
      const { rows } = await db.t.pool.query(`SELECT count(*)::int AS n, count(DISTINCT holder)::int AS holders FROM quota_leases`);
      expect(rows[0].n).toBeGreaterThan(0);
      for (const id of [platform, tenant]) expect(await usageOf(db.t.pool, id)).toMatchObject({ spent: "0.0000000000", reserved: "10.0000000000" });
      expect((await createTollgate({ pool: db.t.pool }).reconcile()).mismatches).toEqual([]);
      // Through the bouncer (its URL's database name exists nowhere else): at least one pooled transaction per process.
      if (bouncer) expect((await bouncer.stats(db.t.name)).xacts).toBeGreaterThanOrEqual(4);
    },
    120_000,
  );

  it("a holder SIGKILLed with a slice loses nothing: its holds stay counted, its slice returns after expiry, the budget is whole again", async () => {
    const tenantId = await createTenant(db.t.pool, "dead-holder");
    const quotaId = await createQuota(db.t.pool, { scope: "platform", limit: "100" });
    const w = spawnWorker("app/core/test/lease-worker.ts", [db.t.url, tenantId, "3", "2", "1"]);
    await w.ready;
    await waitFor(() => w.output().includes('"allowed"'));
    const said = JSON.parse(w.output().trim().split("\n").pop()!);
    expect(said.allowed).toBe(3);
    // The fault: the holder has an active slice with holds on it when it dies.
    const [lease] = await leases(quotaId);
    expect(lease).toMatchObject({ returned: false, reserved: "4.0000000000" });
    expect(Number(lease.granted)).toBeGreaterThan(4);
    process.kill(said.pid, "SIGKILL");
    await expect(w.result).rejects.toThrow(/worker exited/);
    // Its holds are still counted; its unused slice is budget nobody can use until it expires.
    expect(await usageOf(db.t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "6.0000000000" });
    expect(Number((await rawUsage(quotaId)).reserved)).toBeGreaterThan(6);
    // After expiry the sweeper returns it: the row is whole, the holds now count on the row.
    const later = createTollgate({ pool: db.t.pool, clock: () => new Date(Date.now() + 5_000) });
    await later.sweepExpired();
    expect(await leases(quotaId)).toEqual([expect.objectContaining({ returned: true, granted: "0.0000000000" })]);
    expect(await rawUsage(quotaId)).toEqual({ spent: "0.0000000000", reserved: "6.0000000000" });
    // The whole remaining $94 can be reserved again, to the cent.
    const rest = await holder().reserve(reserve(tenantId, "rest", "94"));
    expect(rest.allowed).toBe(true);
    expect((await later.reconcile()).mismatches).toEqual([]);
  }, 120_000);
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a lease reclaimed behind its holder's back", () => {
  it("the holder's next request runs with the row locked: the platform limit still binds", async () => {
    const tenantId = await createTenant(db.t.pool, "reclaimed");
    const quotaId = await createQuota(db.t.pool, { scope: "platform", limit: "10" });
    const a = holder({ leases: { ttlSeconds: 1 } });
    expect((await a.reserve(reserve(tenantId, "a1", "1"))).allowed).toBe(true);
    expect(a.leaseStats()).toMatchObject({ granted: 1, held: 1 });
    // The fault: the sweeper (another instance, a clock past the expiry) returns A's slice.
    const later = createTollgate({ pool: db.t.pool, clock: () => new Date(Date.now() + 5_000) });
    await later.sweepExpired();
    expect((await leases(quotaId))[0]).toMatchObject({ returned: true });
    // Another process takes the rest of the budget.
    expect((await holder().reserve(reserve(tenantId, "b1", "9"))).allowed).toBe(true);
    // A still believes in its slice; deciding on it would ignore the platform quota. It must not.
    const d = await a.reserve(reserve(tenantId, "a2", "1"));
    expect(d.allowed).toBe(false);
    expect(a.leaseStats().short).toBeGreaterThanOrEqual(1);
    expect(await usageOf(db.t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "10.0000000000" });
    expect((await a.reconcile()).mismatches).toEqual([]);
  });
});
