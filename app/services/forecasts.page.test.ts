// The tenant page's analysis with a fixed clock: each tenant quota's current forecast with the
// exact cumulative spend per day of its resource, and the findings in the date range, never
// another tenant's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { getTenantAnalysis } from "./forecasts.page.server.ts";

// A Wednesday; the forecasts were computed at 06:00 the same day.
const NOW = new Date("2026-03-04T10:00:00Z");
const RANGE = { from: "2026-02-20", to: "2026-03-04", grain: "day" as const };
let t: TestDatabase;
const tenant: Record<string, string> = {};
const quota: Record<string, string> = {};

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  for (const r of rows) tenant[r.slug] = r.id;
  const quotas: [string, string, string, string, string, boolean][] = [
    ["acmeAllMonth", "acme", "all", "month", "150", true],
    ["acmeLlmMonth", "acme", "llm", "month", "100", true],
    ["acmeLlmDay", "acme", "llm", "day", "10", true],
    ["acmeOff", "acme", "sandbox", "month", "50", false],
    ["globexLlmMonth", "globex", "llm", "month", "100", true],
  ];
  for (const [key, slug, resource, period, limit, enabled] of quotas) {
    const r = await t.pool.query(
      `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, enabled)
       VALUES ('tenant', $1::text, $1::uuid, $2, $3, $4, $5) RETURNING id`,
      [tenant[slug], resource, period, limit, enabled],
    );
    quota[key] = r.rows[0].id;
  }
  const forecast = (key: string, periodStart: string, breachAt: string | null) =>
    t.pool.query(
      `INSERT INTO forecasts (quota_id, period_start, spent_usd, limit_usd, forecast_usd, low_usd, high_usd, breach_at, computed_at)
       VALUES ($1, $2, 33.5, 100, 120.125, 95.5, 140.75, $3, '2026-03-04T06:00:00Z')`,
      [quota[key], periodStart, breachAt],
    );
  await forecast("acmeLlmMonth", "2026-03-01T00:00:00Z", "2026-03-27T06:00:00Z");
  await forecast("acmeAllMonth", "2026-03-01T00:00:00Z", null);
  await forecast("acmeLlmDay", "2026-03-04T00:00:00Z", null);
  await forecast("acmeLlmMonth", "2026-02-01T00:00:00Z", null); // a past period
  await forecast("acmeOff", "2026-03-01T00:00:00Z", null); // disabled quota
  await forecast("globexLlmMonth", "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z");
  // An end user's quota: its forecast belongs on the quotas page, not among the tenant's.
  const user = await t.pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('user', 'u-1', $1, 'llm', 'month', 5) RETURNING id`,
    [tenant.acme],
  );
  quota.acmeUser = user.rows[0].id;
  await forecast("acmeUser", "2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z");
  const rollups: [string, string, string, string][] = [
    ["acme", "2026-02-28", "llm", "99"], // before the period
    ["acme", "2026-03-01", "llm", "10.5"],
    ["acme", "2026-03-01", "sandbox", "2.25"],
    ["acme", "2026-03-03", "llm", "3.0000000001"],
    ["acme", "2026-03-04", "llm", "20"], // today: after computedAt's day start, not a whole day
    ["globex", "2026-03-02", "llm", "77"],
  ];
  for (const [slug, day, resource, cost] of rollups) {
    await t.pool.query(
      `INSERT INTO spend_rollups (day, tenant_id, resource, model, cost_usd, records) VALUES ($1, $2, $3, $4, $5, 1)`,
      [day, tenant[slug], resource, resource === "llm" ? "m" : "", cost],
    );
  }
  const finding = (slug: string, day: string, hour: number, status: string) =>
    t.pool.query(
      `INSERT INTO anomaly_findings (tenant_id, resource, day, hour, actual_usd, expected_usd, score, severity, status)
       VALUES ($1, 'llm', $2, $3, 50, 5.5, 6.5, 'high', $4)`,
      [tenant[slug], day, hour, status],
    );
  await finding("acme", "2026-03-01", -1, "open");
  await finding("acme", "2026-03-03", 14, "acknowledged");
  await finding("acme", "2026-02-01", -1, "open"); // outside the range
  await finding("globex", "2026-03-02", -1, "open");
});

afterAll(async () => {
  await t?.drop();
});

describe("getTenantAnalysis", () => {
  it("returns the current forecast of each enabled tenant quota, day before week before month, LLM before all", async () => {
    const { forecasts } = await getTenantAnalysis(tenant.acme, RANGE, NOW);
    expect(forecasts.map((f) => [f.period, f.resource, f.periodStart, f.periodEnd])).toEqual([
      ["day", "llm", "2026-03-04T00:00:00.000Z", "2026-03-05T00:00:00.000Z"],
      ["month", "llm", "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"],
      ["month", "all", "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"],
    ]);
    expect(forecasts[1]).toMatchObject({
      quotaId: quota.acmeLlmMonth,
      computedAt: "2026-03-04T06:00:00.000Z",
      limitUsd: "100.0000000000",
      spentUsd: "33.5000000000",
      forecastUsd: "120.1250000000",
      lowUsd: "95.5000000000",
      highUsd: "140.7500000000",
      breachAt: "2026-03-27T06:00:00.000Z",
    });
  });

  it("accumulates the quota's resource per whole day before the computation", async () => {
    const { forecasts } = await getTenantAnalysis(tenant.acme, RANGE, NOW);
    const [day, llm, all] = forecasts;
    expect(day.actual).toEqual([]);
    expect(llm.actual).toEqual([
      { at: "2026-03-02T00:00:00.000Z", cumulativeUsd: "10.5000000000" },
      { at: "2026-03-03T00:00:00.000Z", cumulativeUsd: "10.5000000000" },
      { at: "2026-03-04T00:00:00.000Z", cumulativeUsd: "13.5000000001" },
    ]);
    expect(all.actual.map((a) => a.cumulativeUsd)).toEqual(["12.7500000000", "12.7500000000", "15.7500000001"]);
  });

  it("lists the tenant's findings in the range, newest first, with their review status", async () => {
    const { anomalies } = await getTenantAnalysis(tenant.acme, RANGE, NOW);
    expect(anomalies.map((a) => [a.day, a.hour, a.status])).toEqual([
      ["2026-03-03", 14, "acknowledged"],
      ["2026-03-01", null, "open"],
    ]);
    expect(anomalies[1]).toMatchObject({ resource: "llm", actualUsd: "50.0000000000", expectedUsd: "5.5000000000", score: 6.5 });
  });

  it("never returns another tenant's forecasts or findings", async () => {
    const globex = await getTenantAnalysis(tenant.globex, RANGE, NOW);
    expect(globex.forecasts.map((f) => f.quotaId)).toEqual([quota.globexLlmMonth]);
    expect(globex.forecasts[0].actual.map((a) => a.cumulativeUsd)).toEqual(["0.0000000000", "77.0000000000", "77.0000000000"]);
    expect(globex.anomalies.map((a) => a.day)).toEqual(["2026-03-02"]);
  });
});
