// Tenant isolation over HTTP (403 for another tenant's key, also on admin endpoints), the 429
// of SPEC §5 in both forms, backfill through /usage, and /spend — against a real app instance.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTollgate, periodEnd, periodStart } from "~/core/index.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey, daysAgo, expectNoLeak, ledgerSnapshot } from "~/test/api-fixtures.ts";
import { addLlmPrice, addSandboxPrice, createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { schemaErrors } from "~/test/json-schema.ts";
import { openApiDocument } from "./openapi.server.ts";

let t: TestDatabase;
let app: AppInstance;
let a: { id: string; api: ReturnType<typeof apiClient> };
let b: { id: string; api: ReturnType<typeof apiClient> };
let platform: ReturnType<typeof apiClient>;
const doc = openApiDocument() as any;

beforeAll(async () => {
  t = await createTestDatabase();
  await addLlmPrice(t.pool, { model: "gpt-test", input: "1", output: "2", from: "2024-01-01" });
  await addSandboxPrice(t.pool, "standard", "0.0001", "2024-01-01");
  const aId = await createTenant(t.pool, "tenant-a");
  const bId = await createTenant(t.pool, "tenant-b");
  await createQuota(t.pool, { scope: "tenant", tenantId: aId, limit: "1" });
  await createQuota(t.pool, { scope: "tenant", tenantId: bId, limit: "100" });
  app = await startAppInstance({ databaseUrl: t.url });
  a = { id: aId, api: apiClient(app.url, await apiKey(t.prisma, "key-a", aId)) };
  b = { id: bId, api: apiClient(app.url, await apiKey(t.prisma, "key-b", bId)) };
  platform = apiClient(app.url, await apiKey(t.prisma, "platform"));
});
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

const reserve = (tenantId: string, amount: string, key = randomUUID()) => ({ tenantId, resource: "llm", idempotencyKey: key, estimatedCostUsd: amount });

describe("a tenant-bound key acting for another tenant → 403, nothing written", () => {
  it("on reserve, usage, quota-status, spend, settle and release", async () => {
    const held = await platform.post("/api/v1/reservations", reserve("tenant-b", "0.50"));
    expect(held.status).toBe(201);
    const before = await ledgerSnapshot(t.pool);
    const attempts = [
      () => a.api.post("/api/v1/reservations", reserve("tenant-b", "0.10")),
      () => a.api.post("/api/v1/reservations", reserve(b.id, "0.10")),
      () => a.api.post("/api/v1/usage", { tenantId: "tenant-b", resource: "llm", idempotencyKey: "x", actualCostUsd: "0.10" }),
      () => a.api.get(`/api/v1/quota-status?tenantId=${b.id}`),
      () => a.api.get("/api/v1/tenants/tenant-b/spend"),
      () => a.api.get(`/api/v1/tenants/${b.id}/spend?groupBy=model`),
      () => a.api.post(`/api/v1/reservations/${held.body.reservationId}/settle`, { actualCostUsd: "0.10" }),
      () => a.api.post(`/api/v1/reservations/${held.body.reservationId}/release`),
    ];
    for (const attempt of attempts) {
      const r = await attempt();
      expect({ status: r.status, error: r.body.error }).toEqual({ status: 403, error: "forbidden" });
      expectNoLeak(r.text);
    }
    expect(await ledgerSnapshot(t.pool)).toEqual(before);
    // …while its owner (and the platform) may.
    expect((await b.api.post(`/api/v1/reservations/${held.body.reservationId}/settle`, { actualCostUsd: "0.25" })).status).toBe(200);
  });

  it("on every administration endpoint, even for its own tenant", async () => {
    const quotaId = (await t.pool.query(`SELECT id FROM quotas WHERE tenant_id = $1`, [a.id])).rows[0].id;
    const before = await ledgerSnapshot(t.pool);
    const attempts = [
      () => a.api.get("/api/v1/tenants"),
      () => a.api.post("/api/v1/tenants", { slug: "sneaky", name: "Sneaky" }),
      () => a.api.get("/api/v1/tenants/tenant-a"),
      () => a.api.get("/api/v1/quotas"),
      () => a.api.post("/api/v1/quotas", { scope: "tenant", tenantId: "tenant-a", resource: "llm", period: "day", limitUsd: 1000 }),
      () => a.api.get(`/api/v1/quotas/${quotaId}`),
      () => a.api.patch(`/api/v1/quotas/${quotaId}`, { limitUsd: 1000 }),
      () => a.api.delete(`/api/v1/quotas/${quotaId}`),
      () => a.api.get("/api/v1/prices/llm"),
      () => a.api.post("/api/v1/prices/llm", { provider: "openai", model: "gpt-test", inputUsdPerMillion: 0, outputUsdPerMillion: 0 }),
      () => a.api.get("/api/v1/prices/sandbox"),
      () => a.api.post("/api/v1/prices/sandbox", { tier: "standard", usdPerSecond: 0 }),
    ];
    for (const attempt of attempts) {
      const r = await attempt();
      expect({ status: r.status, error: r.body.error }).toEqual({ status: 403, error: "forbidden" });
    }
    expect(await ledgerSnapshot(t.pool)).toEqual(before);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM tenants WHERE slug = 'sneaky'`)).rows[0].n).toBe(0);
  });
});

describe("over quota → 429 per SPEC §5", () => {
  it("JSON body exactly, Retry-After = retryAfter; SSE form with Accept: text/event-stream", async () => {
    expect((await a.api.post("/api/v1/reservations", reserve("tenant-a", "0.25"))).status).toBe(201);
    const resets = periodEnd("month", new Date());
    const t0 = Date.now();
    const r = await a.api.post("/api/v1/reservations", reserve("tenant-a", "2"));
    const t1 = Date.now();
    expect(r.status).toBe(429);
    expect(r.headers.get("content-type")).toContain("application/json");
    const expected = {
      error: "quota_exceeded",
      message: `The tenant llm monthly quota of $1.00 is exhausted: $0.25 used or held, $0.75 left, this request needs $2.000000. It resets at ${resets.toISOString()}.`,
      resourceType: "llm",
      quotaDetails: {
        scope: "tenant", scopeId: a.id, resourceType: "llm", limitUsd: 1, currentSpendUsd: 0.25, estimatedCostUsd: 2,
        remainingUsd: 0.75, period: "month", utilizationPercent: 25,
      },
      retryAfter: r.body.retryAfter,
    };
    expect(r.body).toStrictEqual(expected);
    expect(r.body.retryAfter).toBeGreaterThanOrEqual(Math.ceil((resets.getTime() - t1) / 1000));
    expect(r.body.retryAfter).toBeLessThanOrEqual(Math.ceil((resets.getTime() - t0) / 1000));
    expect(r.headers.get("retry-after")).toBe(String(r.body.retryAfter));
    expect(schemaErrors(doc.components.schemas.QuotaExceeded, r.body, doc)).toEqual([]);

    const sse = await a.api.post("/api/v1/reservations", reserve("tenant-a", "2"), { Accept: "text/event-stream" });
    expect(sse.status).toBe(429);
    expect(sse.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const data = JSON.parse(/^event: error\ndata: (.*)\n\n/.exec(sse.text)![1]);
    expect(data).toStrictEqual({ ...expected, retryAfter: data.retryAfter });
    expect(sse.text).toBe(`event: error\ndata: ${JSON.stringify(data)}\n\nevent: done\ndata: {"status":"quota_exceeded"}\n\n`);
    expect(sse.headers.get("retry-after")).toBe(String(data.retryAfter));
  });
});

describe("backfill (occurredAt on POST /api/v1/usage)", () => {
  it("a platform key's 40-day-old usage is priced then and counted in that period and rollup", async () => {
    const tenantId = await createTenant(t.pool, "backfill");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1" }); // never denies a backfill, even over its limit
    const now = new Date();
    await addLlmPrice(t.pool, { model: "gpt-back", input: "3", output: "6", from: daysAgo(100, now), to: daysAgo(30, now) });
    await addLlmPrice(t.pool, { model: "gpt-back", input: "1", output: "2", from: daysAgo(30, now) });
    const occurredAt = daysAgo(40, now);
    const r = await platform.post("/api/v1/usage", {
      tenantId: "backfill", resource: "llm", provider: "openai", model: "gpt-back", inputTokens: 1_000_000, outputTokens: 500_000,
      idempotencyKey: "import-1", occurredAt: occurredAt.toISOString(),
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ costRecordId: expect.any(String), costUsd: 6, warnings: expect.any(Array) });

    const { rows: rec } = await t.pool.query(
      `SELECT c.cost_usd::text AS cost, c.backfill, c.occurred_at, p.effective_from FROM cost_records c JOIN llm_prices p ON p.id = c.llm_price_id WHERE c.id = $1`,
      [r.body.costRecordId],
    );
    expect(rec[0]).toEqual({ cost: "6.0000000000", backfill: true, occurred_at: occurredAt, effective_from: daysAgo(100, now) });
    const day = occurredAt.toISOString().slice(0, 10);
    const { rows: rollup } = await t.pool.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, cost_usd::text AS cost, records FROM spend_rollups WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(rollup).toEqual([{ day, cost: "6.0000000000", records: 1 }]);
    const { rows: usage } = await t.pool.query(`SELECT period_start, spent_usd::text AS spent FROM quota_usage_current WHERE quota_id = $1`, [quotaId]);
    expect(usage).toEqual([{ period_start: periodStart("month", occurredAt), spent: "6.0000000000" }]);
    const spend = await platform.get(`/api/v1/tenants/backfill/spend?from=${day}&to=${day}`);
    expect(spend.body.rows).toEqual([{ key: day, costUsd: 6, records: 1, inputTokens: 1_000_000, outputTokens: 500_000 }]);
    expect(spend.body.totalUsd).toBe(6);
    expect((await createTollgate({ pool: t.pool }).reconcile()).mismatches).toEqual([]);
  });

  it("a tenant key sending occurredAt → 403; the future or over 400 days back → 400; nothing written", async () => {
    const before = await ledgerSnapshot(t.pool);
    const body = (occurredAt: Date, key = randomUUID()) => ({
      tenantId: "tenant-b", resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 10, outputTokens: 10,
      idempotencyKey: key, occurredAt: occurredAt.toISOString(),
    });
    const tenantKey = await b.api.post("/api/v1/usage", body(daysAgo(40)));
    expect([tenantKey.status, tenantKey.body.error]).toEqual([403, "forbidden"]);
    const future = await platform.post("/api/v1/usage", body(new Date(Date.now() + 3_600_000)));
    expect([future.status, future.body.error, future.body.issues[0].path]).toEqual([400, "invalid_request", "occurredAt"]);
    const ancient = await platform.post("/api/v1/usage", body(daysAgo(401)));
    expect([ancient.status, ancient.body.error, ancient.body.issues[0].path]).toEqual([400, "invalid_request", "occurredAt"]);
    expect(await ledgerSnapshot(t.pool)).toEqual(before);
  });
});

describe("GET /api/v1/tenants/{tenantId}/spend", () => {
  it("groups the rollups by day, resource, model, user and touchpoint with exact sums", async () => {
    const c = apiClient(app.url, await apiKey(t.prisma, "key-c", await createTenant(t.pool, "spender")));
    const usage = (body: Record<string, unknown>) => c.post("/api/v1/usage", { tenantId: "spender", idempotencyKey: randomUUID(), ...body });
    const llm = { resource: "llm", provider: "openai", model: "gpt-test" };
    for (const r of [
      await usage({ ...llm, userId: "u1", touchpoint: "main-chat", inputTokens: 1000, outputTokens: 500 }), // 0.001 + 0.001
      await usage({ ...llm, userId: "u2", touchpoint: "main-chat", inputTokens: 2000, outputTokens: 0 }), // 0.002
      await usage({ resource: "sandbox", tier: "standard", userId: "u1", touchpoint: "code-run", durationMs: 10_000 }), // 0.001
      await usage({ resource: "llm", actualCostUsd: "0.5" }),
    ]) expect(r.status).toBe(201);

    const today = new Date().toISOString().slice(0, 10);
    const row = (key: string | null, costUsd: number, records: number, inputTokens = 0, outputTokens = 0) => ({ key, costUsd, records, inputTokens, outputTokens });
    const spend = async (q: string) => {
      const r = await c.get(`/api/v1/tenants/spender/spend${q}`);
      expect(r.status).toBe(200);
      expect(schemaErrors(doc.components.schemas.SpendReport, r.body, doc)).toEqual([]);
      expect(r.body.totalUsd).toBe(0.505);
      return r.body.rows;
    };
    expect(await spend("")).toEqual([row(today, 0.505, 4, 3000, 500)]);
    expect(await spend("?groupBy=resource")).toEqual([row("llm", 0.504, 3, 3000, 500), row("sandbox", 0.001, 1)]);
    expect(await spend("?groupBy=model")).toEqual([row(null, 0.501, 2), row("openai/gpt-test", 0.004, 2, 3000, 500)]);
    expect(await spend("?groupBy=user")).toEqual([row(null, 0.5, 1), row("u1", 0.003, 2, 1000, 500), row("u2", 0.002, 1, 2000, 0)]);
    expect(await spend(`?groupBy=touchpoint&from=${today}&to=${today}`)).toEqual([row(null, 0.5, 1), row("main-chat", 0.004, 2, 3000, 500), row("code-run", 0.001, 1)]);

    const empty = await c.get(`/api/v1/tenants/spender/spend?from=2020-01-01&to=2020-01-31`);
    expect(empty.body).toMatchObject({ rows: [], totalUsd: 0 });
    for (const bad of ["?groupBy=color", "?from=2026-13-01", "?from=2026-02-01&to=2026-01-01", "?limit=5"]) {
      const r = await c.get(`/api/v1/tenants/spender/spend${bad}`);
      expect([bad, r.status, r.body.error]).toEqual([bad, 400, "invalid_request"]);
    }
    expect((await c.get(`/api/v1/tenants/nobody/spend`)).status).toBe(403); // a tenant key learns nothing about other slugs
    expect((await platform.get(`/api/v1/tenants/nobody/spend`)).status).toBe(404);
  });
});
