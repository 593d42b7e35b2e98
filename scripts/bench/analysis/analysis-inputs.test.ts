// The backtest runs the analysis' pure functions on generated series; this test shows that the
// job's SQL gathers exactly the inputs the backtest hands them. One generated new-tenant series is
// written to spend_rollups (as llm spend of one tenant, split between two users); the job's
// readDailySeries and its forecast reads (quotaDailySpend → forecastHistory) must return the
// backtest's inputs for the same days, to the cent of a cent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { money } from "../../../app/core/money.ts";
import { createQuota, createTenant } from "../../../app/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../../../app/db/test/test-database.ts";
import { BASELINE_DAYS } from "../../../app/services/analysis/anomalies.ts";
import { HISTORY_DAYS } from "../../../app/services/analysis/forecast.ts";
import { readDailySeries } from "../../../app/services/analysis/inputs.server.ts";
import { LOOKBACK_DAYS } from "../../../app/services/analysis/job.server.ts";
import { forecastHistory, quotaDailySpend } from "../../../app/services/analysis/spend-series.server.ts";
import { tollgateForecastInput } from "./methods.ts";
import { generateSeries } from "./series.ts";

const DAY_MS = 86_400_000;
const series = generateSeries("new-tenant", 3);
let t: TestDatabase;
let tenantId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  tenantId = await createTenant(t.pool, "backtest");
  const days = series.days.filter((d) => d.usd > 0);
  // Two users share each day's spend: the reads must sum them.
  await t.pool.query(
    `INSERT INTO spend_rollups (day, tenant_id, user_id, resource, cost_usd, records)
     SELECT d::date, $1::uuid, u, 'llm', (c::numeric * w), 1 FROM unnest($2::text[], $3::text[]) AS x(d, c), (VALUES ('u-1', 0.25), ('u-2', 0.75)) AS y(u, w)`,
    [tenantId, days.map((d) => d.day), days.map((d) => d.usd.toFixed(6))],
  );
});
afterAll(async () => t?.drop());

describe("the job's SQL gathers the backtest's inputs", () => {
  it("daily anomaly series: readDailySeries returns the generated days of the job's window", async () => {
    const todayIndex = series.historyStart + 40;
    const today = Date.parse(`${series.days[todayIndex].day}T00:00:00Z`);
    const from = new Date(today - (LOOKBACK_DAYS + BASELINE_DAYS) * DAY_MS);
    const read = await readDailySeries(t.pool, from, new Date(today));
    expect(read.map((r) => [r.key.tenantSlug, r.key.resource])).toEqual([["backtest", "llm"]]);
    const expected = series.days.slice(todayIndex - (LOOKBACK_DAYS + BASELINE_DAYS), todayIndex);
    expect(read[0].series).toEqual(expected);
  });

  it("forecasts: quotaDailySpend → forecastHistory and the period's spend are the backtest's input", async () => {
    const start = series.days.findIndex((d, i) => i > series.historyStart && d.day.endsWith("-01"));
    const end = series.days.findIndex((d, i) => i > start && d.day.endsWith("-01"));
    const quota = { scope: "tenant" as const, scopeId: tenantId, tenantId, resource: "llm" as const };
    await createQuota(t.pool, { scope: "tenant", tenantId, resource: "llm", period: "month", limit: "1000" });
    for (const left of [21, 14, 7]) {
      const c = { series: series.days, today: end - left, periodStart: start, periodEnd: end, limit: 1000, sensitivity: 2 };
      const input = tollgateForecastInput(c);
      // The job's reads (computeForecasts): from min(period start, today − 56 days) to the end of today.
      const today = input.now;
      const historyFrom = new Date(today.getTime() - HISTORY_DAYS * DAY_MS);
      const rows = await quotaDailySpend(t.pool, quota, input.periodStart < historyFrom ? input.periodStart : historyFrom, new Date(today.getTime() + DAY_MS));
      // The job sums the period's rows, today's included; the backtest decides at 00:00 UTC, when
      // today has no spend yet — here the database holds the whole series, so today's row is the future.
      const spent = rows.filter((d) => d.day >= series.days[start].day && d.day < series.days[c.today].day).reduce((s, d) => s.add(d.usd), money(0));
      expect(forecastHistory(rows, today, HISTORY_DAYS)).toEqual(input.history);
      expect(spent.toFixed(10)).toBe(input.spentUsd.toFixed(10));
    }
  });
});
