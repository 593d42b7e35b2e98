// The analysis endpoints over HTTP against a real app instance: the shapes of SPEC §5 (checked
// against the OpenAPI document), tenant isolation, and running the analysis with a platform key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey, expectNoLeak } from "~/test/api-fixtures.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { schemaErrors } from "~/test/json-schema.ts";
import { openApiDocument } from "./openapi.server.ts";

const DAY_MS = 86_400_000;
const doc = openApiDocument() as any;
const conforms = (schema: string, body: unknown) => expect(schemaErrors(doc.components.schemas[schema], body, doc)).toEqual([]);
const today = Date.parse(new Date().toISOString().slice(0, 10));
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const SPIKE_DAY = isoDay(today - 3 * DAY_MS);

let t: TestDatabase;
let app: AppInstance;
let aId: string;
let quotaId: string;
let a: ReturnType<typeof apiClient>;
let platform: ReturnType<typeof apiClient>;

beforeAll(async () => {
  t = await createTestDatabase();
  aId = await createTenant(t.pool, "tenant-a");
  await createTenant(t.pool, "tenant-b");
  quotaId = await createQuota(t.pool, { scope: "tenant", tenantId: aId, limit: "100000" });
  // 90 days of $100 (weekdays) / $40 (weekends) LLM spend, ×4 three days ago; $25 today so far.
  const days: string[] = [];
  const costs: string[] = [];
  for (let i = 90; i >= 0; i--) {
    const ms = today - i * DAY_MS;
    days.push(isoDay(ms));
    const normal = [0, 6].includes(new Date(ms).getUTCDay()) ? 40 : 100;
    costs.push(String(i === 0 ? 25 : i === 3 ? normal * 4 : normal));
  }
  await t.pool.query(
    `INSERT INTO spend_rollups (day, tenant_id, resource, cost_usd, records)
     SELECT d::date, $1::uuid, 'llm', c::numeric, 1 FROM unnest($2::text[], $3::text[]) AS u(d, c)`,
    [aId, days, costs],
  );
  app = await startAppInstance({ databaseUrl: t.url });
  a = apiClient(app.url, await apiKey(t.prisma, "key-a", aId));
  platform = apiClient(app.url, await apiKey(t.prisma, "platform"));
});
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

describe("POST /api/v1/analysis/run", () => {
  it("needs a platform key", async () => {
    const r = await a.post("/api/v1/analysis/run");
    expect([r.status, r.body.error]).toEqual([403, "forbidden"]);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM forecasts`)).rows[0].n).toBe(0);
  });

  it("runs the analysis and answers with its summary", async () => {
    const r = await platform.post("/api/v1/analysis/run");
    expect(r.status).toBe(200);
    conforms("AnalysisRun", r.body);
    expect(r.body).toMatchObject({
      ran: true, anomalies: { daily: 1, hourly: 0, new: 1 }, forecasts: { written: 1, breaches: 0 },
      ttlAdvice: { pairs: 0, recommended: 0, monthlySavingUsd: 0 }, alertsEnqueued: 0,
    });
  });
});

describe("GET /api/v1/tenants/{tenantId}/forecasts and /anomalies", () => {
  it("forecasts: the tenant's quotas for the current period", async () => {
    const r = await a.get("/api/v1/tenants/tenant-a/forecasts");
    expect(r.status).toBe(200);
    conforms("ForecastList", r.body);
    const monthStart = `${isoDay(today).slice(0, 8)}01`;
    const spent = (await t.pool.query(`SELECT sum(cost_usd)::float8 AS s FROM spend_rollups WHERE day >= $1::date`, [monthStart])).rows[0].s;
    expect(r.body.forecasts).toEqual([
      expect.objectContaining({
        quotaId, scope: "tenant", scopeId: aId, resourceType: "llm", period: "month", periodStart: `${monthStart}T00:00:00.000Z`,
        limitUsd: 100000, spentUsd: spent, breachAt: null,
      }),
    ]);
    const f = r.body.forecasts[0];
    expect(f.lowUsd <= f.forecastUsd && f.forecastUsd <= f.highUsd && f.spentUsd <= f.lowUsd).toBe(true);
  });

  it("anomalies: the spike, with a date range and status filter", async () => {
    const r = await a.get(`/api/v1/tenants/${aId}/anomalies`);
    expect(r.status).toBe(200);
    conforms("AnomalyList", r.body);
    const normal = [0, 6].includes(new Date(SPIKE_DAY).getUTCDay()) ? 40 : 100;
    // A flat series: the spread is the 50% floor, so ×4 scores (4 − 1) / 0.5 = 6.
    expect(r.body.anomalies).toEqual([
      { id: expect.any(String), date: SPIKE_DAY, hour: null, resourceType: "llm", actualUsd: normal * 4, expectedUsd: normal, score: 6, severity: "high", status: "open" },
    ]);
    const before = await a.get(`/api/v1/tenants/tenant-a/anomalies?from=2020-01-01&to=${isoDay(today - 4 * DAY_MS)}`);
    expect([before.status, before.body.anomalies]).toEqual([200, []]);
    expect((await a.get("/api/v1/tenants/tenant-a/anomalies?status=dismissed")).body.anomalies).toEqual([]);
  });

  it("bad queries → 400 naming the parameter", async () => {
    for (const [query, path] of [["from=yesterday", "from"], ["to=2026-02-30", "to"], ["status=closed", "status"], ["limit=5", "limit"], ["from=2026-05-02&to=2026-05-01", "from"]]) {
      const r = await a.get(`/api/v1/tenants/tenant-a/anomalies?${query}`);
      expect([r.status, r.body.error, r.body.issues[0].path]).toEqual([400, "invalid_request", path]);
      expectNoLeak(r.text);
    }
  });

  it("a tenant key reads only its own tenant; unknown tenants are 404", async () => {
    for (const path of ["/api/v1/tenants/tenant-b/forecasts", "/api/v1/tenants/tenant-b/anomalies"]) {
      const r = await a.get(path);
      expect([r.status, r.body.error]).toEqual([403, "forbidden"]);
    }
    const missing = await platform.get("/api/v1/tenants/nobody/forecasts");
    expect([missing.status, missing.body.error]).toEqual([404, "not_found"]);
    const none = await platform.get("/api/v1/tenants/tenant-b/anomalies");
    expect([none.status, none.body.anomalies]).toEqual([200, []]);
    expect((await apiClient(app.url).get("/api/v1/tenants/tenant-a/forecasts")).status).toBe(401);
  });
});
