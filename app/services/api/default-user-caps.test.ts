// Per-user defaults (`each_user`, ADR 0016) over HTTP against a real app instance: created with a
// platform key (tenant and platform-wide), refused to tenant-bound keys for any tenant, listed by
// quota-status with the asking user's own figures, and named by the 429.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey, ledgerSnapshot } from "~/test/api-fixtures.ts";
import { createQuotaFreeTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { schemaErrors } from "~/test/json-schema.ts";
import { openApiDocument } from "./openapi.server.ts";

let t: TestDatabase;
let app: AppInstance;
let platform: ReturnType<typeof apiClient>;
let a: { id: string; api: ReturnType<typeof apiClient> };
let b: { id: string; api: ReturnType<typeof apiClient> };
const doc = openApiDocument() as any;
const conforms = (schema: string, body: unknown) => expect(schemaErrors(doc.components.schemas[schema], body, doc)).toEqual([]);

beforeAll(async () => {
  t = await createTestDatabase();
  const aId = await createQuotaFreeTenant(t.pool, "users-a");
  const bId = await createQuotaFreeTenant(t.pool, "users-b");
  app = await startAppInstance({ databaseUrl: t.url });
  platform = apiClient(app.url, await apiKey(t.prisma, "platform"));
  a = { id: aId, api: apiClient(app.url, await apiKey(t.prisma, "key-a", aId)) };
  b = { id: bId, api: apiClient(app.url, await apiKey(t.prisma, "key-b", bId)) };
});
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

const reserve = (tenantId: string, userId: string, amount: string) => ({
  tenantId, userId, resource: "llm", idempotencyKey: randomUUID(), estimatedCostUsd: amount,
});

describe("POST /api/v1/quotas with scope each_user", () => {
  it("creates a tenant's default and the platform-wide one; a second of either → 409; a scope id → 400", async () => {
    const tenantDefault = await platform.post("/api/v1/quotas", { scope: "each_user", tenantId: "users-a", resource: "llm", period: "day", limitUsd: 1, warningThresholds: [80] });
    expect(tenantDefault.status).toBe(201);
    conforms("Quota", tenantDefault.body);
    expect(tenantDefault.body).toMatchObject({ scope: "each_user", scopeId: null, tenantId: a.id, resourceType: "llm", period: "day", limitUsd: 1, warningThresholds: [80], enforcement: "hard", enabled: true });

    const platformDefault = await platform.post("/api/v1/quotas", { scope: "each_user", resource: "all", period: "month", limitUsd: 50 });
    expect(platformDefault.status).toBe(201);
    expect(platformDefault.body).toMatchObject({ scope: "each_user", scopeId: null, tenantId: null, resourceType: "all", period: "month", limitUsd: 50 });

    for (const again of [
      { scope: "each_user", tenantId: a.id, resource: "llm", period: "day", limitUsd: 2 },
      { scope: "each_user", resource: "all", period: "month", limitUsd: 2 },
    ]) {
      const r = await platform.post("/api/v1/quotas", again);
      expect({ status: r.status, error: r.body.error }).toEqual({ status: 409, error: "conflict" });
    }
    const withUser = await platform.post("/api/v1/quotas", { scope: "each_user", tenantId: "users-a", scopeId: "u1", resource: "llm", period: "week", limitUsd: 1 });
    expect(withUser.status).toBe(400);
    expect(withUser.body.issues).toEqual([{ path: "scopeId", message: "a per-user default has no scope id (it applies to every end user)" }]);

    const listed = await platform.get("/api/v1/quotas?scope=each_user");
    expect(listed.body.quotas.map((q: any) => [q.tenantId, q.resourceType, q.period])).toEqual([[null, "all", "month"], [a.id, "llm", "day"]]);
    await platform.delete(`/api/v1/quotas/${platformDefault.body.id}`);
  });

  it("a tenant-bound key cannot create a default — for another tenant, for its own, or platform-wide (403, nothing written)", async () => {
    const before = await ledgerSnapshot(t.pool);
    const quotas = (await t.pool.query(`SELECT count(*)::int AS n FROM quotas`)).rows[0].n;
    for (const body of [
      { scope: "each_user", tenantId: "users-a", resource: "sandbox", period: "day", limitUsd: 1000 },
      { scope: "each_user", tenantId: "users-b", resource: "sandbox", period: "day", limitUsd: 1000 },
      { scope: "each_user", resource: "sandbox", period: "day", limitUsd: 1000 },
    ]) {
      const r = await b.api.post("/api/v1/quotas", body);
      expect({ status: r.status, error: r.body.error }).toEqual({ status: 403, error: "forbidden" });
    }
    expect(await ledgerSnapshot(t.pool)).toEqual(before);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM quotas`)).rows[0].n).toBe(quotas);
  });
});

describe("enforcing a default over HTTP", () => {
  it("quota-status lists the default with the user's own figures; the 429 names each_user and the user; an override replaces it", async () => {
    const quotaId = (await t.pool.query(`SELECT id FROM quotas WHERE scope = 'each_user' AND tenant_id = $1`, [a.id])).rows[0].id;
    const held = await a.api.post("/api/v1/reservations", reserve(a.id, "dora", "0.75"));
    expect(held.status).toBe(201);
    expect((await a.api.post(`/api/v1/reservations/${held.body.reservationId}/settle`, { actualCostUsd: "0.75" })).status).toBe(200);

    const status = await a.api.get(`/api/v1/quota-status?tenantId=${a.id}&userId=dora`);
    expect(status.status).toBe(200);
    conforms("QuotaStatusList", status.body);
    expect(status.body.quotas).toEqual([
      expect.objectContaining({ scope: "each_user", scopeId: "dora", resourceType: "llm", period: "day", limitUsd: 1, spentUsd: 0.75, reservedUsd: 0, remainingUsd: 0.25, utilizationPercent: 75, enforcement: "hard" }),
    ]);
    // Another user's figures are their own.
    const other = await a.api.get(`/api/v1/quota-status?tenantId=${a.id}&userId=eli&resource=llm`);
    expect(other.body.quotas).toEqual([expect.objectContaining({ scope: "each_user", scopeId: "eli", spentUsd: 0, reservedUsd: 0, remainingUsd: 1 })]);

    const denied = await a.api.post("/api/v1/reservations", reserve(a.id, "dora", "0.5"));
    expect(denied.status).toBe(429);
    expect(denied.body.quotaDetails).toEqual({
      scope: "each_user", scopeId: "dora", resourceType: "llm", limitUsd: 1, currentSpendUsd: 0.75, estimatedCostUsd: 0.5,
      remainingUsd: 0.25, period: "day", utilizationPercent: 75,
    });
    expect(Number(denied.headers.get("retry-after"))).toBeGreaterThan(0);

    // dora's own $5 daily quota replaces the tenant's default for her (ADR 0016).
    const own = await platform.post("/api/v1/quotas", { scope: "user", tenantId: a.id, scopeId: "dora", resource: "llm", period: "day", limitUsd: 5 });
    expect(own.status).toBe(201);
    expect((await a.api.post("/api/v1/reservations", reserve(a.id, "dora", "0.5"))).status).toBe(201);
    const after = await a.api.get(`/api/v1/quota-status?tenantId=${a.id}&userId=dora`);
    expect(after.body.quotas.map((q: any) => [q.scope, q.scopeId, q.limitUsd])).toEqual([["user", "dora", 5]]);

    // Disabling the default lets eli past it; the override deleted, dora is back on the default,
    // which counts her $0.75 spent today again.
    expect((await platform.patch(`/api/v1/quotas/${quotaId}`, { enabled: false })).status).toBe(200);
    expect((await a.api.post("/api/v1/reservations", reserve(a.id, "eli", "3"))).status).toBe(201);
    expect((await platform.patch(`/api/v1/quotas/${quotaId}`, { enabled: true })).status).toBe(200);
    expect((await platform.delete(`/api/v1/quotas/${own.body.id}`)).status).toBe(204);
    const back = await a.api.post("/api/v1/reservations", reserve(a.id, "dora", "0.5"));
    expect({ status: back.status, scope: back.body.quotaDetails?.scope, scopeId: back.body.quotaDetails?.scopeId }).toEqual({ status: 429, scope: "each_user", scopeId: "dora" });
  });
});
