// The SPEC §4 guarantee through the HTTP API with TWO app processes on one database: 500
// concurrent $0.10 reservations against a $10 tenant quota, split across both instances.
// Exactly 100 are held; the ledger reconciles.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTollgate } from "~/core/index.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey } from "~/test/api-fixtures.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";

let t: TestDatabase;
let apps: AppInstance[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  // 250 requests queue per instance for its 12 pooled connections: allow the wait (the default
  // 5 s acquire timeout would turn a slow CI machine's queue into 503s, which is not under test).
  const env = { QUOTA_DB_TIMEOUT_MS: "60000" };
  apps = await Promise.all([startAppInstance({ databaseUrl: t.url, env }), startAppInstance({ databaseUrl: t.url, env })]);
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await t?.drop();
});

it("500 concurrent $0.10 reservations over two instances against $10 → exactly 100 held, 400 × 429", async () => {
  const tenantId = await createTenant(t.pool, "hot");
  const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
  const key = await apiKey(t.prisma, "hot", tenantId);
  const clients = apps.map((a) => apiClient(a.url, key));
  const responses = await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      clients[i % 2].post("/api/v1/reservations", { tenantId, resource: "llm", idempotencyKey: `hot-${i}`, estimatedCostUsd: "0.10" }),
    ),
  );
  const byStatus = (s: number) => responses.filter((r) => r.status === s);
  expect({ created: byStatus(201).length, denied: byStatus(429).length }).toEqual({ created: 100, denied: 400 });
  // Each instance decided all of its 250 against the one quota row (201 or 429, nothing else):
  // the limit held across processes. How the 100 split between them is up to the race — with
  // group commit one instance's first batch can take them all.
  for (const side of [0, 1]) {
    const mine = responses.filter((_, i) => i % 2 === side);
    expect(mine.filter((r) => r.status === 201 || r.status === 429)).toHaveLength(250);
  }
  for (const r of byStatus(429)) expect(r.body.quotaDetails).toMatchObject({ scope: "tenant", limitUsd: 10, estimatedCostUsd: 0.1 });

  const { rows } = await t.pool.query(`SELECT spent_usd::text AS spent, reserved_usd::text AS reserved FROM quota_usage_current WHERE quota_id = $1`, [quotaId]);
  expect(rows).toEqual([{ spent: "0.0000000000", reserved: "10.0000000000" }]);
  const held = await t.pool.query(`SELECT count(*)::int AS n FROM reservations WHERE tenant_id = $1 AND status = 'held'`, [tenantId]);
  expect(held.rows[0].n).toBe(100);
  expect((await createTollgate({ pool: t.pool }).reconcile()).mismatches).toEqual([]);
});
