// Administration over HTTP with a platform key: tenants (default quotas from the templates),
// quotas (validation, conflicts, patch semantics, re-enable restarting the period, delete) and
// effective-dated prices — every change audited with before/after in its own transaction.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTollgate, periodStart } from "~/core/index.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, daysAgo, expectNoLeak } from "~/test/api-fixtures.ts";
import { addLlmPrice, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { schemaErrors } from "~/test/json-schema.ts";
import { createApiKey } from "../api-keys.server.ts";
import { openApiDocument } from "./openapi.server.ts";

let t: TestDatabase;
let app: AppInstance;
let api: ReturnType<typeof apiClient>;
let keyId: string;
const doc = openApiDocument() as any;
const conforms = (schema: string, body: unknown) => expect(schemaErrors(doc.components.schemas[schema], body, doc)).toEqual([]);
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

beforeAll(async () => {
  t = await createTestDatabase();
  const { key, apiKey } = await createApiKey({ id: null, label: "test" }, { name: "infra-bot" }, { pool: t.pool });
  keyId = apiKey.id;
  app = await startAppInstance({ databaseUrl: t.url });
  api = apiClient(app.url, key);
});
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

async function auditRows(entityId: string) {
  const { rows } = await t.pool.query(
    `SELECT actor_id, actor_label, action, entity_type, entity_id, tenant_id, before, after FROM audit_log WHERE entity_id = $1 ORDER BY id`,
    [entityId],
  );
  return rows;
}
const actor = () => ({ actor_id: keyId, actor_label: "api-key:infra-bot" });

describe("tenants", () => {
  it("POST creates a tenant with its default quotas (from the templates) and audits it", async () => {
    await t.pool.query(`INSERT INTO default_quotas (resource, period, limit_usd, warning_thresholds) VALUES
      ('llm', 'month', 100, '{80}'), ('sandbox', 'month', 50, '{80}'), ('all', 'month', 150, '{80}')`);
    const r = await api.post("/api/v1/tenants", { slug: "initech", name: "Initech" });
    expect(r.status).toBe(201);
    conforms("TenantDetail", r.body);
    const id = r.body.id;
    const quota = (resourceType: string, limitUsd: number) => ({
      id: expect.any(String), scope: "tenant", scopeId: id, tenantId: id, resourceType, period: "month", limitUsd,
      warningThresholds: [80], enforcement: "hard", enabled: true, createdAt: ISO, updatedAt: ISO,
    });
    expect(r.body).toEqual({
      id: expect.any(String), slug: "initech", name: "Initech", status: "active", createdAt: ISO,
      quotas: [quota("llm", 100), quota("sandbox", 50), quota("all", 150)],
    });
    expect(await auditRows(id)).toEqual([{ ...actor(), action: "tenant.create", entity_type: "tenant", entity_id: id, tenant_id: id, before: null, after: r.body }]);

    const got = await api.get("/api/v1/tenants/initech");
    expect(got.body).toEqual(r.body);
    expect((await api.get(`/api/v1/tenants/${id}`)).body).toEqual(r.body);
    const list = await api.get("/api/v1/tenants");
    conforms("TenantList", list.body);
    expect(list.body.tenants.map((x: { slug: string }) => x.slug)).toContain("initech");
    await t.pool.query(`DELETE FROM default_quotas`); // the other tests state their quotas themselves
  });

  it("rejects a duplicate slug (409), a bad slug or unknown field (400); unknown tenant → 404; no audit rows", async () => {
    await createTenant(t.pool, "taken");
    const audits = async () => (await t.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n;
    const before = await audits();
    const dup = await api.post("/api/v1/tenants", { slug: "taken", name: "Again" });
    expect([dup.status, dup.body.error]).toEqual([409, "conflict"]);
    expectNoLeak(dup.text);
    for (const body of [{ slug: "Bad_Slug", name: "x" }, { slug: "-dash", name: "x" }, { slug: "a", name: "x" }, { slug: "ok-slug", name: "" }, { slug: "ok-slug", name: "x", plan: "gold" }]) {
      const r = await api.post("/api/v1/tenants", body);
      expect([JSON.stringify(body), r.status, r.body.error]).toEqual([JSON.stringify(body), 400, "invalid_request"]);
    }
    expect((await api.get("/api/v1/tenants/no-such-tenant")).status).toBe(404);
    expect(await audits()).toBe(before);
  });
});

describe("quotas", () => {
  let tenantId: string;
  beforeAll(async () => {
    tenantId = await createTenant(t.pool, "quota-co");
  });

  it("create validates limit, thresholds and scope shape; duplicates → 409", async () => {
    const base = { scope: "tenant", tenantId: "quota-co", resource: "llm", period: "day", limitUsd: "25.50" };
    const bad: [Record<string, unknown>, string][] = [
      [{ ...base, limitUsd: 0 }, "limitUsd"],
      [{ ...base, limitUsd: -5 }, "limitUsd"],
      [{ ...base, limitUsd: "1e3" }, "limitUsd"],
      [{ ...base, warningThresholds: [90, 80] }, "warningThresholds"],
      [{ ...base, warningThresholds: [80, 80] }, "warningThresholds"],
      [{ ...base, warningThresholds: [0] }, "warningThresholds.0"],
      [{ ...base, warningThresholds: [101] }, "warningThresholds.0"],
      [{ ...base, scope: "platform" }, "tenantId"],
      [{ ...base, scope: "user" }, "scopeId"],
      [{ scope: "tenant", resource: "llm", period: "day", limitUsd: 1 }, "tenantId"],
      [{ ...base, period: "year" }, "period"],
    ];
    for (const [body, path] of bad) {
      const r = await api.post("/api/v1/quotas", body);
      expect([JSON.stringify(body), r.status, r.body.error, r.body.issues?.map((i: { path: string }) => i.path)]).toEqual([
        JSON.stringify(body), 400, "invalid_request", expect.arrayContaining([path]),
      ]);
    }
    const unknownTenant = await api.post("/api/v1/quotas", { ...base, tenantId: "nobody" });
    expect([unknownTenant.status, unknownTenant.body.error]).toEqual([404, "not_found"]);

    const r = await api.post("/api/v1/quotas", { ...base, warningThresholds: [50, 75, 100] });
    expect(r.status).toBe(201);
    conforms("Quota", r.body);
    expect(r.body).toEqual({
      id: expect.any(String), scope: "tenant", scopeId: tenantId, tenantId, resourceType: "llm", period: "day", limitUsd: 25.5,
      warningThresholds: [50, 75, 100], enforcement: "hard", enabled: true, createdAt: ISO, updatedAt: ISO,
    });
    expect(await auditRows(r.body.id)).toEqual([
      { ...actor(), action: "quota.create", entity_type: "quota", entity_id: r.body.id, tenant_id: tenantId, before: null, after: r.body },
    ]);
    const dup = await api.post("/api/v1/quotas", { ...base, limitUsd: 99 });
    expect([dup.status, dup.body.error]).toEqual([409, "conflict"]);
    expectNoLeak(dup.text);

    const user = await api.post("/api/v1/quotas", { scope: "user", tenantId, scopeId: "end-user-7", resource: "all", period: "week", limitUsd: 5, enforcement: "soft" });
    expect(user.body).toMatchObject({ scope: "user", scopeId: "end-user-7", tenantId, resourceType: "all", period: "week", limitUsd: 5, enforcement: "soft", warningThresholds: [80, 90] });
    const platform = await api.post("/api/v1/quotas", { scope: "platform", resource: "sandbox", period: "month", limitUsd: 10000 });
    expect(platform.body).toMatchObject({ scope: "platform", scopeId: null, tenantId: null });
    const platformDup = await api.post("/api/v1/quotas", { scope: "platform", resource: "sandbox", period: "month", limitUsd: 1 });
    expect(platformDup.status).toBe(409);

    const filtered = await api.get(`/api/v1/quotas?scope=tenant&scopeId=${tenantId}&resource=llm`);
    conforms("QuotaList", filtered.body);
    expect(filtered.body.quotas.map((q: { id: string }) => q.id)).toEqual([r.body.id]);
    expect((await api.get(`/api/v1/quotas?tenantId=quota-co`)).body.quotas.map((q: { id: string }) => q.id)).toEqual([r.body.id, user.body.id]);
    expect((await api.get(`/api/v1/quotas?scope=platform`)).body.quotas.map((q: { id: string }) => q.id)).toEqual([platform.body.id]);
    expect((await api.get(`/api/v1/quotas?scope=galaxy`)).status).toBe(400);
    expect((await api.get(`/api/v1/quotas/${r.body.id}`)).body).toEqual(r.body);
    expect((await api.get(`/api/v1/quotas/${randomUUID()}`)).status).toBe(404);
    expect((await api.get(`/api/v1/quotas/not-a-uuid`)).status).toBe(404);
  });

  it("a tenant quota in SPEC §3's shape: scopeId is the tenant id, tenantId optional but must match; a mismatch is 400 and writes nothing", async () => {
    const spec = await createTenant(t.pool, "spec-co");
    const other = await createTenant(t.pool, "other-co");
    const body = { scope: "tenant", resource: "sandbox", period: "week", limitUsd: 7 };
    const bare = await api.post("/api/v1/quotas", { ...body, scopeId: spec });
    expect(bare.status).toBe(201);
    expect(bare.body).toMatchObject({ scope: "tenant", scopeId: spec, tenantId: spec, resourceType: "sandbox", period: "week", limitUsd: 7 });
    const both = await api.post("/api/v1/quotas", { ...body, resource: "llm", scopeId: spec, tenantId: "spec-co" });
    expect(both.status).toBe(201);
    expect(both.body).toMatchObject({ scope: "tenant", scopeId: spec, tenantId: spec, resourceType: "llm" });

    const count = async () =>
      (await t.pool.query(`SELECT (SELECT count(*)::int FROM quotas) AS quotas, (SELECT count(*)::int FROM audit_log) AS audit`)).rows[0];
    const before = await count();
    const mismatch = await api.post("/api/v1/quotas", { ...body, resource: "all", scopeId: spec, tenantId: other });
    expect([mismatch.status, mismatch.body.error, mismatch.body.issues]).toEqual([400, "invalid_request", [{ path: "scopeId", message: "must be the tenant id" }]]);
    expectNoLeak(mismatch.text);
    const neither = await api.post("/api/v1/quotas", { ...body, resource: "all" });
    expect([neither.status, neither.body.issues]).toEqual([400, [{ path: "tenantId", message: "required for tenant quotas (or give the tenant id as scopeId)" }]]);
    expect(await count()).toEqual(before);
  });

  it("PATCH keeps the period's usage on a limit change; re-enabling restarts it from the recorded spend; DELETE", async () => {
    const tollgate = createTollgate({ pool: t.pool });
    const tenant = await createTenant(t.pool, "patchy");
    const created = await api.post("/api/v1/quotas", { scope: "tenant", tenantId: tenant, resource: "llm", period: "month", limitUsd: 10, warningThresholds: [] });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const record = async (amount: string) =>
      expect((await tollgate.record({ tenantId: tenant, resource: "llm", idempotencyKey: randomUUID(), actualCostUsd: amount })).allowed).toBe(true);
    const usage = async () =>
      (await t.pool.query(`SELECT period_start, spent_usd::text AS spent FROM quota_usage_current WHERE quota_id = $1`, [id])).rows;
    const period = periodStart("month", new Date());
    await record("2");
    expect(await usage()).toEqual([{ period_start: period, spent: "2.0000000000" }]);

    const raised = await api.patch(`/api/v1/quotas/${id}`, { limitUsd: "20" });
    expect(raised.status).toBe(200);
    expect(raised.body).toEqual({ ...created.body, limitUsd: 20, updatedAt: ISO });
    expect(await usage()).toEqual([{ period_start: period, spent: "2.0000000000" }]);

    expect((await api.patch(`/api/v1/quotas/${id}`, { enabled: false })).body.enabled).toBe(false);
    await record("3"); // not booked on the disabled quota's row…
    expect(await usage()).toEqual([{ period_start: period, spent: "2.0000000000" }]);
    expect((await api.patch(`/api/v1/quotas/${id}`, { enabled: true })).body.enabled).toBe(true);
    expect(await usage()).toEqual([]); // …so the row is dropped, and re-created from the rollups on next use:
    const status = await tollgate.quotaStatus({ tenantId: tenant, resource: "llm" });
    expect(status.map((q) => [q.quotaId, q.spentUsd.toFixed(10)])).toEqual([[id, "5.0000000000"]]);
    expect((await tollgate.reconcile()).mismatches).toEqual([]);

    for (const bad of [{}, { limitUsd: 0 }, { scope: "platform" }, { period: "day" }, { warningThresholds: [95, 10] }]) {
      const r = await api.patch(`/api/v1/quotas/${id}`, bad);
      expect([JSON.stringify(bad), r.status]).toEqual([JSON.stringify(bad), 400]);
    }
    expect((await api.patch(`/api/v1/quotas/${randomUUID()}`, { limitUsd: 1 })).status).toBe(404);

    const audit = await auditRows(id);
    expect(audit.map((a) => a.action)).toEqual(["quota.create", "quota.update", "quota.update", "quota.update"]);
    expect(audit[1]).toMatchObject({ ...actor(), before: { limitUsd: 10, enabled: true }, after: { limitUsd: 20, enabled: true } });
    expect(audit[2]).toMatchObject({ before: { enabled: true }, after: { enabled: false } });
    expect(audit[3]).toMatchObject({ before: { enabled: false }, after: { enabled: true } });

    const del = await api.delete(`/api/v1/quotas/${id}`);
    expect([del.status, del.text]).toEqual([204, ""]);
    expect((await api.get(`/api/v1/quotas/${id}`)).status).toBe(404);
    expect((await api.delete(`/api/v1/quotas/${id}`)).status).toBe(404);
    const last = (await auditRows(id)).at(-1);
    expect(last).toMatchObject({ ...actor(), action: "quota.delete", tenant_id: tenant, before: { id, limitUsd: 20, enabled: true }, after: null });
  });
});

describe("prices", () => {
  it("a new LLM price closes the one in effect, in one audited change; earlier starts → 409", async () => {
    const jan = "2026-01-01T00:00:00.000Z";
    await addLlmPrice(t.pool, { model: "gpt-admin", input: "1.25", output: "10", from: jan });
    const old = (await t.pool.query(`SELECT id FROM llm_prices WHERE model = 'gpt-admin'`)).rows[0].id;
    const from = daysAgo(1).toISOString();
    const r = await api.post("/api/v1/prices/llm", {
      provider: "openai", model: "gpt-admin", inputUsdPerMillion: "1.1", outputUsdPerMillion: 9, cachedInputUsdPerMillion: "0.0000000123", effectiveFrom: from, note: "renegotiated",
    });
    expect(r.status).toBe(201);
    conforms("LlmPriceCreated", r.body);
    const closed = { id: old, provider: "openai", model: "gpt-admin", inputUsdPerMillion: 1.25, outputUsdPerMillion: 10, cachedInputUsdPerMillion: null, effectiveFrom: jan, effectiveTo: from, note: "", createdAt: ISO };
    expect(r.body).toEqual({
      price: { id: expect.any(String), provider: "openai", model: "gpt-admin", inputUsdPerMillion: 1.1, outputUsdPerMillion: 9, cachedInputUsdPerMillion: 0.0000000123, effectiveFrom: from, effectiveTo: null, note: "renegotiated", createdAt: ISO },
      closed,
    });
    expect(await auditRows(old)).toEqual([
      { ...actor(), action: "llm_price.close", entity_type: "llm_price", entity_id: old, tenant_id: null, before: { ...closed, effectiveTo: null, createdAt: r.body.closed.createdAt }, after: r.body.closed },
    ]);
    expect(await auditRows(r.body.price.id)).toEqual([
      { ...actor(), action: "llm_price.create", entity_type: "llm_price", entity_id: r.body.price.id, tenant_id: null, before: null, after: r.body.price },
    ]);

    // The price in effect, now and before the change; the whole history newest first.
    const at = async (q: string) => (await api.get(`/api/v1/prices/llm?provider=openai&model=gpt-admin${q}`)).body.prices.map((p: { id: string }) => p.id);
    expect(await at("")).toEqual([r.body.price.id, old]);
    expect(await at(`&at=${new Date().toISOString()}`)).toEqual([r.body.price.id]);
    expect(await at(`&at=${daysAgo(2).toISOString()}`)).toEqual([old]);
    expect(await at(`&at=2025-06-01T00:00:00Z`)).toEqual([]);
    conforms("LlmPriceList", (await api.get("/api/v1/prices/llm")).body);

    const audits = (await t.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n;
    for (const start of [jan, from, "2025-12-31T00:00:00Z"]) {
      const c = await api.post("/api/v1/prices/llm", { provider: "openai", model: "gpt-admin", inputUsdPerMillion: 1, outputUsdPerMillion: 1, effectiveFrom: start });
      expect([start, c.status, c.body.error]).toEqual([start, 409, "conflict"]);
    }
    for (const bad of [{ provider: "openai", model: "m", inputUsdPerMillion: -1, outputUsdPerMillion: 1 }, { provider: "openai", model: "m", inputUsdPerMillion: 1 }, { provider: "openai", model: "m", inputUsdPerMillion: 1, outputUsdPerMillion: 1, effectiveFrom: "soon" }]) {
      expect((await api.post("/api/v1/prices/llm", bad)).status).toBe(400);
    }
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBe(audits);
    // The first price for a new model closes nothing; effectiveFrom defaults to now.
    const fresh = await api.post("/api/v1/prices/llm", { provider: "acme", model: "acme-1", inputUsdPerMillion: 0.5, outputUsdPerMillion: 1.5 });
    expect(fresh.status).toBe(201);
    expect(fresh.body.closed).toBeNull();
    expect(Math.abs(Date.parse(fresh.body.price.effectiveFrom) - Date.now())).toBeLessThan(10_000);
  });

  it("sandbox rates work the same way; unknown tiers are rejected", async () => {
    const first = await api.post("/api/v1/prices/sandbox", { tier: "gpu", usdPerSecond: "0.002", effectiveFrom: "2026-01-01T00:00:00Z" });
    expect(first.status).toBe(201);
    expect(first.body.closed).toBeNull();
    const second = await api.post("/api/v1/prices/sandbox", { tier: "gpu", usdPerSecond: "0.0015", effectiveFrom: "2026-03-01T00:00:00Z" });
    conforms("SandboxPriceCreated", second.body);
    expect(second.body.closed).toMatchObject({ id: first.body.price.id, usdPerSecond: 0.002, effectiveTo: "2026-03-01T00:00:00.000Z" });
    expect(second.body.price).toMatchObject({ tier: "gpu", usdPerSecond: 0.0015, effectiveFrom: "2026-03-01T00:00:00.000Z", effectiveTo: null });
    const list = await api.get("/api/v1/prices/sandbox?tier=gpu&at=2026-02-01T00:00:00Z");
    expect(list.body.prices.map((p: { id: string }) => p.id)).toEqual([first.body.price.id]);
    expect((await auditRows(first.body.price.id)).map((a) => a.action)).toEqual(["sandbox_price.create", "sandbox_price.close"]);
    expect((await api.post("/api/v1/prices/sandbox", { tier: "quantum", usdPerSecond: 1 })).status).toBe(400);
    expect((await api.get("/api/v1/prices/sandbox?tier=quantum")).status).toBe(400);
  });
});
