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
    expect((await createTollgate({ pool: t.pool }).reconcile()).mismatches).toEqual([]);
  });
});
