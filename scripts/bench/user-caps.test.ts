// A tiny `npm run bench:user-caps` against the test server (DATABASE_URL mode), so the script
// cannot rot: it loads, builds per-user rows under both defaults, EXPLAINs every query with and
// without the near index (which give the same answer as a full scan), measures storage and the
// write path, and prints the JSON last. No timing is asserted.
import pg from "pg";
import { inject, describe, expect, it } from "vitest";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { withDatabase } from "../lib/postgres.ts";
import { runScript } from "../lib/test/run-script.ts";

async function benchDatabases(): Promise<string[]> {
  const c = new pg.Client(poolConfig(inject("pgAdminUrl")));
  await c.connect();
  try {
    return (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'tollgate_bench_%'`)).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

describe("npm run bench:user-caps", () => {
  it("a small run measures the near-cap read with and without its index, storage and the write path", async () => {
    const before = await benchDatabases();
    const args = ["--records", "20000", "--users", "2000", "--runs", "1", "--updates", "200"];
    const { stdout, stderr, code } = await runScript("scripts/bench/user-caps.ts", args, { DATABASE_URL: withDatabase(inject("pgAdminUrl"), "postgres") });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("loaded 20,000 / 20,000 cost records");
    const lines = stdout.trimEnd().split("\n");
    const json = JSON.parse(lines[lines.length - 1]);
    expect(Object.keys(json)).toEqual(["records", "users", "loadSeconds", "queries", "serviceMs", "storage", "limitEdits", "writes", "check"]);
    // Raising the limit 10% can only clear flags, lowering it only set them (the refresh trigger).
    const [raised, lowered] = json.limitEdits;
    expect(raised.nearAfter).toBeLessThanOrEqual(raised.nearBefore);
    expect(lowered.nearAfter).toBeGreaterThan(lowered.nearBefore);
    expect(json.records).toBe(20_000);
    // Both defaults: a row per active user under the platform's, and under their tenant's.
    expect(json.storage.perUserRows).toBe(2 * json.users);
    expect(json.storage.nearRows).toBeGreaterThan(0);
    expect(json.storage.bytesPerUser).toBeGreaterThan(0);
    expect(json.storage.indexes).toHaveProperty("quota_usage_near_idx");
    expect(json.check.ok).toBe(true);
    expect(json.check.platformNear).toBeGreaterThan(0);
    expect(json.queries.map((q: { query: string }) => q.query)).toEqual([
      "platform-list", "heavy-tenant-list", "typical-tenant-list", "tenant-both-defaults", "platform-default-figures", "all-defaults-figures",
    ]);
    for (const q of json.queries) {
      // The same answer either way; the index never reads more quota_usage rows than the plain
      // scan, and far fewer wherever a default spans many users (a tenant's own default has few).
      expect(q.withIndex.rows, q.query).toBe(q.withoutIndex.rows);
      expect(q.withIndex.usageRowsRead, q.query).toBeLessThanOrEqual(q.withoutIndex.usageRowsRead);
      if (q.query.startsWith("platform-") || q.query.startsWith("all-")) expect(q.withIndex.usageRowsRead, q.query).toBeLessThan(q.withoutIndex.usageRowsRead);
    }
    expect(json.writes.map((w: { rows: string; variant: string }) => `${w.rows} ${w.variant}`)).toEqual([
      "per-user near-trigger", "per-user no-trigger", "per-user figures-index", "shared near-trigger", "shared no-trigger", "shared figures-index",
    ]);
    // The flag keeps shared rows' updates HOT; an index on the figures does not (HOT is per column).
    const hot = Object.fromEntries(json.writes.map((w: { rows: string; variant: string; hotPercent: number }) => [`${w.rows} ${w.variant}`, w.hotPercent]));
    expect(hot["shared near-trigger"]).toBe(100);
    expect(hot["shared figures-index"]).toBe(0);
    expect(hot["per-user figures-index"]).toBe(0);
    expect(json.serviceMs.platform).toBeGreaterThan(0);
    expect(await benchDatabases()).toEqual(before);
  }, 300_000);
});
