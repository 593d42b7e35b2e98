// `npm run analyze` as a user runs it: a child process against a real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../app/db/test/test-database.ts";
import { runScript } from "./lib/test/run-script.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('cli-co', 'CLI Co') RETURNING id`);
  await t.pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('tenant', $1::text, $1::uuid, 'llm', 'month', 100)`,
    [rows[0].id],
  );
  // One sandbox run an hour ago, so the run stores TTL advice too.
  await t.pool.query(
    `INSERT INTO cost_records (tenant_id, touchpoint, resource, tier, billed_duration_ms, active_duration_ms, sandbox_ttl_seconds, cost_usd, occurred_at)
     VALUES ($1, 'code-exec', 'sandbox', 'standard', 300000, 60000, 300, 0.015, now() - interval '1 hour')`,
    [rows[0].id],
  );
});
afterAll(async () => t?.drop());

const analyze = (...args: string[]) => runScript("scripts/analyze.ts", args, { DATABASE_URL: t.url });

describe("npm run analyze", () => {
  it("runs once with a line per step and a summary", async () => {
    const run = await analyze();
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const lines = run.stdout.split("\n").filter((l) => l.startsWith("[analyze]")).map((l) => l.replace(/\d+ ms/, "N ms"));
    expect(lines).toEqual([
      "[analyze] applying migrations",
      "[analyze] running (sensitivity 2)",
      "[analyze] anomalies: 0 tenant × resource series, 0 daily findings (last 60 days), 0 hourly spikes (last 24 h)",
      "[analyze] forecasts: 1 quotas, 0 predicted to reach their limit this period",
      "[analyze] TTL advice: 1 tenant × touchpoint pairs with sandbox runs in the last 30 days, 1 with a recommended TTL, $0.01/month projected saving",
      "[analyze] stored: 0 new findings, 1 forecasts, 1 TTL advice rows; 0 alerts enqueued",
      "[analyze] per-user usage: 0 rows deleted in 0 batches (0 defaults, 1 previous period kept)",
    ]);
    expect(run.stdout).toMatch(/Analysis done in \d+\.\d s:\n {2}anomalies {3}0 daily \(last 60 days\), 0 hourly \(last 24 h\), 0 new\n {2}forecasts {3}1 quotas, 0 predicted/);
    expect(run.stdout).toContain("  TTL advice  1 recommended TTLs, $0.01/month projected saving\n");
    expect(run.stdout).toContain("  pruned      0 per-user usage rows of old periods\n");
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM forecasts`)).rows[0].n).toBe(1);
    // The advice the pages read: 60 s of work billed 300 s under a 300 s TTL → TTL 80 s, 220 s × $0.00005 = $0.011.
    expect((await t.pool.query(`SELECT touchpoint, recommended_ttl_seconds AS ttl, projected_monthly_saving_usd::text AS saving FROM ttl_advice`)).rows).toEqual([
      { touchpoint: "code-exec", ttl: 80, saving: "0.0110000000" },
    ]);
  });

  it("says so and exits 2 while another instance runs it", async () => {
    const other = await t.pool.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext('tollgate:analysis'))`);
      const run = await analyze();
      expect(run.code).toBe(2);
      expect(run.stdout).toContain("Another instance is running the analysis right now");
    } finally {
      await other.query(`SELECT pg_advisory_unlock_all()`);
      other.release();
    }
  });
});
