// The overview's analysis lists with a fixed clock: open findings summed up per tenant (the
// summary itself: anomalies.page.test.ts); only forecasts of the current period that breach
// before it ends, soonest first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { getPlatformOverview } from "./spend.page.server.ts";

// A Wednesday: the ISO week started on Monday the 16th.
const NOW = new Date("2026-03-18T10:00:00Z");
let t: TestDatabase;
const tenant: Record<string, string> = {};
const quota: Record<string, string> = {};

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  for (const r of rows) tenant[r.slug] = r.id;
  const quotas: [string, string | null, string, string, string, boolean][] = [
    ["acmeLlmMonth", "acme", "llm", "month", "100", true],
    ["acmeAllWeek", "acme", "all", "week", "40", true],
    ["globexLlmMonth", "globex", "llm", "month", "100", true],
    ["globexDisabled", "globex", "sandbox", "month", "10", false],
    ["platformDay", null, "all", "day", "500", true],
  ];
  for (const [key, slug, resource, period, limit, enabled] of quotas) {
    const scope = slug ? "tenant" : "platform";
    const r = await t.pool.query(
      `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, enabled) VALUES ($1, $2::text, $2::uuid, $3, $4, $5, $6) RETURNING id`,
      [scope, slug ? tenant[slug] : null, resource, period, limit, enabled],
    );
    quota[key] = r.rows[0].id;
  }
  const forecast = (key: string, periodStart: string, spent: string, fc: string, breachAt: string | null, limit = "100") =>
    t.pool.query(
      `INSERT INTO forecasts (quota_id, period_start, spent_usd, limit_usd, forecast_usd, low_usd, high_usd, breach_at, computed_at)
       VALUES ($1, $2, $3, $4, $5, $5, $5, $6, '2026-03-18T06:00:00Z')`,
      [quota[key], periodStart, spent, limit, fc, breachAt],
    );
  await forecast("acmeLlmMonth", "2026-03-01T00:00:00Z", "70.5", "130.25", "2026-03-25T12:00:00Z");
  await forecast("acmeLlmMonth", "2026-02-01T00:00:00Z", "90", "150", "2026-02-20T00:00:00Z"); // last period: history
  await forecast("acmeAllWeek", "2026-03-16T00:00:00Z", "30", "45", "2026-03-20T08:00:00Z", "40");
  await forecast("globexLlmMonth", "2026-03-01T00:00:00Z", "10", "40", null); // no breach
  await forecast("globexDisabled", "2026-03-01T00:00:00Z", "9", "20", "2026-03-19T00:00:00Z", "10"); // quota disabled
  await forecast("platformDay", "2026-03-18T00:00:00Z", "400", "600", "2026-03-18T20:00:00Z", "500");
  // A breach predicted after the period end is not a breach of this period.
  await t.pool.query(`UPDATE forecasts SET breach_at = '2026-04-02T00:00:00Z' WHERE quota_id = $1 AND breach_at IS NULL`, [quota.globexLlmMonth]);

  const finding = (slug: string, day: string, hour: number, resource: string, severity: string, status: string) =>
    t.pool.query(
      `INSERT INTO anomaly_findings (tenant_id, resource, day, hour, actual_usd, expected_usd, score, severity, status)
       VALUES ($1, $2, $3, $4, 42.5, 10.25, 5, $5, $6)`,
      [tenant[slug], resource, day, hour, severity, status],
    );
  await finding("acme", "2026-03-17", -1, "llm", "high", "open");
  await finding("acme", "2026-03-18", 9, "llm", "low", "open");
  await finding("acme", "2026-03-16", -1, "sandbox", "high", "acknowledged");
  await finding("globex", "2026-03-17", -1, "sandbox", "high", "open");
  await finding("globex", "2026-03-14", -1, "llm", "high", "open");
  await finding("globex", "2026-03-15", -1, "sandbox", "high", "dismissed");
});

afterAll(async () => {
  await t?.drop();
});

describe("overview: analysis lists", () => {
  it("sums up open findings per tenant, the most high-severity findings first, with the newest finding", async () => {
    const o = await getPlatformOverview(NOW);
    expect(o.openAnomalyCount).toBe(4);
    expect(o.openAnomalies).toEqual([
      { tenantSlug: "globex", tenantName: "Globex", open: 2, high: 2, latestDay: "2026-03-17", latestHour: null },
      { tenantSlug: "acme", tenantName: "Acme", open: 2, high: 1, latestDay: "2026-03-18", latestHour: 9 },
    ]);
  });

  it("lists current-period forecasts that breach before the period ends, soonest first", async () => {
    const o = await getPlatformOverview(NOW);
    expect(o.forecastBreaches.map((f) => [f.tenantSlug, f.scope, f.resource, f.period, f.breachAt])).toEqual([
      [null, "platform", "all", "day", "2026-03-18T20:00:00.000Z"],
      ["acme", "tenant", "all", "week", "2026-03-20T08:00:00.000Z"],
      ["acme", "tenant", "llm", "month", "2026-03-25T12:00:00.000Z"],
    ]);
    expect(o.forecastBreaches[2]).toMatchObject({
      quotaId: quota.acmeLlmMonth,
      tenantName: "Acme",
      limitUsd: "100.0000000000",
      spentUsd: "70.5000000000",
      forecastUsd: "130.2500000000",
      computedAt: "2026-03-18T06:00:00.000Z",
    });
  });
});
