import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPgBouncer, type PgBouncer } from "../db/test/pgbouncer.ts";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import { createTollgate } from "./index.ts";
import { createQuota, createTenant, usageOf } from "./test/fixtures.ts";
import { spawnWorker } from "./test/processes.ts";

let t: TestDatabase;
let bouncer: PgBouncer;
beforeAll(async () => {
  t = await createTestDatabase();
  bouncer = await startPgBouncer(inject("pgAdminUrl"), [t.name]);
});
afterAll(async () => {
  await bouncer?.stop();
  await t?.drop();
});

// Every test runs twice: the workers connected to PostgreSQL, and through PgBouncer in
// transaction mode (ADR 0012), sending statements unnamed. The checks use the direct pool.
type Via = "direct" | "pgbouncer";
const VIA: Via[] = ["direct", "pgbouncer"];
const workerUrl = (via: Via) => (via === "direct" ? t.url : bouncer.url(t.name));
const workerEnv = (via: Via): Record<string, string> => (via === "direct" ? {} : { WORKER_STATEMENTS: "unnamed" });
/** Transactions the bouncer pooled so far (its URL's database name exists nowhere else). */
const bounced = async () => (await bouncer.stats(t.name)).xacts;

describe.each(VIA.flatMap((via) => ["one-transaction-per-decision", "group-commit"].map((strategy) => [via, strategy])))("across OS processes (%s, %s)", (via, strategy) => {
  // Four processes and 500 transactions on one row: minutes on a loaded two-core machine.
  it("4 processes × 125 concurrent $0.10 reservations against $10: exactly 100 allowed", { timeout: 240_000 }, async () => {
    const tenantId = await createTenant(t.pool, `multi-proc-${via}-${strategy}`);
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const before = await bounced();
    const workers = Array.from({ length: 4 }, (_, i) =>
      spawnWorker("app/core/test/reserve-worker.ts", [workerUrl(via as Via), tenantId, "125", `p${i}`, "0.10", strategy], workerEnv(via as Via)),
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
    // Through the bouncer: each of the 4 processes decided in at least one pooled transaction; direct: none.
    if (via === "pgbouncer") expect((await bounced()) - before).toBeGreaterThanOrEqual(4);
    else expect((await bounced()) - before).toBe(0);
  });
});

describe.each(VIA)("a process killed in the middle of its batches (group commit, %s)", (via) => {
  it("loses nothing: committed batches are exact, its open holds expire, the ledger reconciles", { timeout: 240_000 }, async () => {
    const tenantId = await createTenant(t.pool, `killed-mid-batch-${via}`);
    const tenantQuota = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100000" });
    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "shared", limit: "100000" });
    const before = await bounced();
    const app = (i: number) => `flow-${via}-k${i}`;
    const workers = Array.from({ length: 3 }, (_, i) =>
      spawnWorker("app/core/test/flow-worker.ts", [workerUrl(via), tenantId, "shared", "16", `k${i}`], { PGAPPNAME: app(i), ...workerEnv(via) }),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin!.write("go\n");
    // Let them run, then kill one without warning while its batches are in flight.
    await waitFor(async () => (await settledCount(tenantId)) >= 300);
    process.kill(Number(/pid (\d+)/.exec(workers[0].output())![1]), "SIGKILL");
    await expect(workers[0].result).rejects.toThrow(/worker exited/);
    // Its server sessions end when PostgreSQL notices the closed sockets: an open transaction
    // rolls back, one whose COMMIT had already arrived commits. Either way, wait for them.
    // Through the bouncer, it closes the server connections the dead client left inside a
    // transaction; the idle ones stay pooled (still named after it until another client takes
    // them), so only sessions not idle count there.
    const open = via === "direct" ? "" : "AND state <> 'idle'";
    await waitFor(async () => (await t.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 ${open}`, [app(0)])).rows[0].n === 0);
    await waitFor(async () => (await settledCount(tenantId)) >= 600);
    for (const w of workers.slice(1)) w.child.stdin!.write("stop\n");
    const finished = await Promise.all(workers.slice(1).map((w) => w.result));
    expect(finished.every((f) => f.settled > 0)).toBe(true);
    // Group commit puts many flows in one transaction: at least one each for the two survivors.
    if (via === "pgbouncer") expect((await bounced()) - before).toBeGreaterThanOrEqual(2);
    else expect((await bounced()) - before).toBe(0);

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
