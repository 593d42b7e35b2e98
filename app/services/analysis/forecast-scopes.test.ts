// Forecasts of every quota scope against a real database: whose spend each one counts
// (platform: everyone; tenant; one end user), which period, and the usage row preferred over
// the rollups when it exists. Constant daily spend, so every figure is exact.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { runAnalysis } from "./job.server.ts";

const NOW = new Date("2026-11-20T12:00:00Z"); // Friday; the ISO week began Monday Nov 16
let t: TestDatabase;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  const a = await createTenant(t.pool, "scope-a");
  const b = await createTenant(t.pool, "scope-b");
  // Oct 20 – Nov 20: tenant A's user u-1 spends $3/day on LLM, u-2 $5/day on sandboxes; tenant B $7/day on LLM.
  await t.pool.query(
    `INSERT INTO spend_rollups (day, tenant_id, user_id, resource, cost_usd, records)
     SELECT d::date, x.tenant::uuid, x.usr, x.res::"ResourceType", x.usd, 1
       FROM generate_series('2026-10-20'::date, '2026-11-20'::date, interval '1 day') AS d,
            (VALUES ($1::text, 'u-1', 'llm', 3), ($1, 'u-2', 'sandbox', 5), ($2, 'u-9', 'llm', 7)) AS x(tenant, usr, res, usd)`,
    [a, b],
  );
  ids.platform = await createQuota(t.pool, { scope: "platform", resource: "all", period: "month", limit: "10000" });
  ids.tenant = await createQuota(t.pool, { scope: "tenant", tenantId: a, resource: "llm", period: "month", limit: "1000" });
  ids.userDay = await createQuota(t.pool, { scope: "user", tenantId: a, userId: "u-1", resource: "llm", period: "day", limit: "100" });
  ids.userWeek = await createQuota(t.pool, { scope: "user", tenantId: a, userId: "u-2", resource: "sandbox", period: "week", limit: "30" });
  // The enforced usage row of the tenant quota says $61 (e.g. a cost not in these rollups): it wins.
  await t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, spent_usd) VALUES ($1, '2026-11-01T00:00:00Z', 61)`, [ids.tenant]);
});
afterAll(async () => t?.drop());

describe("forecasts per scope", () => {
  it("count the right spend over the right period, at a constant rate exactly", async () => {
    const s = await runAnalysis({ now: NOW, pool: t.pool, sensitivity: 2 });
    expect(s.forecasts).toEqual({ written: 4, breaches: 1 });
    const { rows } = await t.pool.query(
      `SELECT quota_id, period_start, spent_usd::text AS spent, forecast_usd::text AS forecast, low_usd::text AS low, high_usd::text AS high, breach_at FROM forecasts`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.quota_id, r]));
    const row = (id: string) => [by[id].period_start.toISOString(), by[id].spent, by[id].forecast, by[id].low === by[id].forecast && by[id].high === by[id].forecast, by[id].breach_at?.toISOString() ?? null];
    // Platform, everyone, Nov 1–20: 20 × $15 = $300; 10.5 days left × $15 → $457.50.
    expect(row(ids.platform)).toEqual(["2026-11-01T00:00:00.000Z", "300.0000000000", "457.5000000000", true, null]);
    // Tenant A's LLM: the usage row's $61, + 10.5 × $3.
    expect(row(ids.tenant)).toEqual(["2026-11-01T00:00:00.000Z", "61.0000000000", "92.5000000000", true, null]);
    // u-1's LLM today: $3, + half a day × $3.
    expect(row(ids.userDay)).toEqual(["2026-11-20T00:00:00.000Z", "3.0000000000", "4.5000000000", true, null]);
    // u-2's sandboxes this week: Nov 16–20 = $25, + 2.5 days × $5 = $37.50 > $30: the limit is
    // reached (30 − 25) / 5 = 1 day from now.
    expect(row(ids.userWeek)).toEqual(["2026-11-16T00:00:00.000Z", "25.0000000000", "37.5000000000", true, "2026-11-21T12:00:00.000Z"]);
  });
});
