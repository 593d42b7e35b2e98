import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import { createTollgate } from "./index.ts";
import { createQuota, createTenant, usageOf } from "./test/fixtures.ts";
import { spawnWorker } from "./test/processes.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe.each(["one-transaction-per-decision", "group-commit"])("across OS processes (%s)", (strategy) => {
  it("4 processes × 125 concurrent $0.10 reservations against $10: exactly 100 allowed", async () => {
    const tenantId = await createTenant(t.pool, `multi-proc-${strategy}`);
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const workers = Array.from({ length: 4 }, (_, i) =>
      spawnWorker("app/core/test/reserve-worker.ts", [t.url, tenantId, "125", `p${i}`, "0.10", strategy]),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write("go\n");
    const results = await Promise.all(workers.map((w) => w.result));
    expect(results.reduce((s, r) => s + r.allowed, 0)).toBe(100);
    expect(results.reduce((s, r) => s + r.denied, 0)).toBe(400);
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "10.0000000000" });
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM reservations WHERE tenant_id = $1 AND status = 'held'`, [tenantId]);
    expect(rows[0].n).toBe(100);
    // Every denial counted exactly once, on the quota that refused it (ADR 0014), whichever process decided it.
    const { rows: denied } = await t.pool.query(
      `SELECT (SELECT denied_count FROM quota_usage_current WHERE quota_id = $1) AS count,
              (SELECT denied_usd::text FROM quota_usage_current WHERE quota_id = $1) AS usd,
              (SELECT sum(denied_count)::int FROM denials_daily WHERE tenant_id = $2 AND quota_id = $1) AS daily,
              (SELECT sum(denied_usd)::text FROM denials_daily WHERE tenant_id = $2 AND quota_id = $1) AS daily_usd`,
      [quotaId, tenantId],
    );
    expect(denied[0]).toEqual({ count: 400, usd: "40.0000000000", daily: 400, daily_usd: "40.0000000000" });
    expect((await createTollgate({ pool: t.pool }).reconcile()).mismatches).toEqual([]);
  });
});

describe("a process killed in the middle of its batches (group commit)", () => {
  it("loses nothing: committed batches are exact, its open holds expire, the ledger reconciles", async () => {
    const tenantId = await createTenant(t.pool, "killed-mid-batch");
    const tenantQuota = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100000" });
    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "shared", limit: "100000" });
    const workers = Array.from({ length: 3 }, (_, i) =>
      spawnWorker("app/core/test/flow-worker.ts", [t.url, tenantId, "shared", "16", `k${i}`], { PGAPPNAME: `flow-k${i}` }),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write("go\n");
    // Let them run, then kill one without warning while its batches are in flight.
    await waitFor(async () => (await settledCount(tenantId)) >= 300);
    process.kill(Number(/pid (\d+)/.exec(workers[0].output())![1]), "SIGKILL");
    await expect(workers[0].result).rejects.toThrow(/worker exited/);
    // Its server sessions end when PostgreSQL notices the closed sockets: an open transaction
    // rolls back, one whose COMMIT had already arrived commits. Either way, wait for them.
    await waitFor(async () => (await t.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'flow-k0'`)).rows[0].n === 0);
    await waitFor(async () => (await settledCount(tenantId)) >= 600);
    for (const w of workers.slice(1)) w.child.stdin!.write("stop\n");
    const finished = await Promise.all(workers.slice(1).map((w) => w.result));
    expect(finished.every((f) => f.settled > 0)).toBe(true);

    // Every committed settle is a cost record of $0.01; the dead process's unsettled holds
    // are still held at $0.02 each until they expire.
    const { rows } = await t.pool.query(
      `SELECT (SELECT count(*)::int FROM cost_records WHERE tenant_id = $1) AS records,
              (SELECT coalesce(sum(cost_usd), 0)::text FROM cost_records WHERE tenant_id = $1) AS spent,
              (SELECT count(*)::int FROM reservations WHERE tenant_id = $1 AND status = 'held') AS held`,
      [tenantId],
    );
    const { records, spent, held } = rows[0];
    expect(held).toBeLessThanOrEqual(16); // at most one open hold per worker of the killed process
    expect(Number(spent)).toBeCloseTo(records * 0.01, 10);
    for (const id of [tenantQuota, userQuota]) {
      expect(await usageOf(t.pool, id)).toEqual({ spent, reserved: (held * 0.02).toFixed(10), notified: [] });
    }
    const later = createTollgate({ pool: t.pool, clock: () => new Date(Date.now() + 86_400_000) });
    await later.sweepExpired(); // (other tests' holds in this database expire too)
    const { rows: after } = await t.pool.query(
      `SELECT count(*) FILTER (WHERE status = 'held')::int AS held, count(*) FILTER (WHERE status = 'expired')::int AS expired
         FROM reservations WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(after[0]).toEqual({ held: 0, expired: held });
    for (const id of [tenantQuota, userQuota]) {
      expect(await usageOf(t.pool, id)).toEqual({ spent, reserved: "0.0000000000", notified: [] });
    }
    expect((await later.reconcile()).mismatches).toEqual([]);
  });
});

async function settledCount(tenantId: string): Promise<number> {
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM cost_records WHERE tenant_id = $1`, [tenantId]);
  return rows[0].n;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
