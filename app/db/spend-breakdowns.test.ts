// spend_breakdowns (a tenant's daily spend by model, by user and by touchpoint, each per
// resource; kept by the trigger on spend_rollups that also keeps spend_daily) must equal the cost
// records it summarises, whoever writes them: the core one decision at a time or in group-commit
// batches, backfills into earlier days, and the seed's rebuild of the rollups. The tenants here
// have no quotas, so only the trigger's own row locks order their concurrent writers: records of
// two tenants, two days, both resources, several users, models and touchpoints must neither
// deadlock nor lose an increment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSpendRollups } from "../../prisma/seed/aggregates.ts";
import { createTollgate } from "../core/index.ts";
import { addLlmPrice, addSandboxPrice, createQuotaFreeTenant } from "../core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "./test/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await addLlmPrice(t.pool, { model: "gpt-test", input: "2", output: "8", from: "2026-01-01" });
  await addLlmPrice(t.pool, { provider: "anthropic", model: "claude-test", input: "3", output: "15", from: "2026-01-01" });
  await addSandboxPrice(t.pool, "standard", "0.0001");
});
afterAll(async () => t?.drop());

const quotaFreeTenant = (slug: string) => createQuotaFreeTenant(t.pool, slug);

/**
 * Every (tenant, day, dimension, key, resource) of these tenants: the stored breakdown next to
 * the same sums straight from cost_records and from spend_rollups (what the migration's
 * backfill derives). A missing side shows as null.
 */
async function breakdownsVsSources(tenantIds: string[]) {
  const { rows } = await t.pool.query(
    `WITH rec AS (
       SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, resource, cost_usd, 1 AS n,
              CASE WHEN coalesce(model, '') = '' THEN '' WHEN coalesce(provider, '') = '' THEN model ELSE provider || '/' || model END AS model_key,
              coalesce(user_id, '') AS user_id, coalesce(touchpoint, '') AS touchpoint
         FROM cost_records WHERE tenant_id = ANY($1::uuid[])),
     roll AS (
       SELECT tenant_id, day, resource, cost_usd, records AS n,
              CASE WHEN model = '' THEN '' WHEN provider = '' THEN model ELSE provider || '/' || model END AS model_key,
              user_id, touchpoint
         FROM spend_rollups WHERE tenant_id = ANY($1::uuid[])),
     by_dims AS (
       SELECT 'records' AS src, x.* FROM rec x UNION ALL SELECT 'rollups', y.* FROM roll y),
     expected AS (
       SELECT src, tenant_id, day, d.dimension, d.key, resource, sum(cost_usd)::numeric(24, 10) AS cost, sum(n)::int AS n
         FROM by_dims CROSS JOIN LATERAL (VALUES ('model', model_key), ('user', user_id), ('touchpoint', touchpoint)) AS d(dimension, key)
        GROUP BY 1, 2, 3, 4, 5, 6)
     SELECT coalesce(b.tenant_id, e.tenant_id) AS tenant, to_char(coalesce(b.day, e.day), 'YYYY-MM-DD') AS day,
            coalesce(b.dimension::text, e.dimension) AS dimension, coalesce(b.key, e.key) AS key,
            coalesce(b.resource::text, e.resource::text) AS resource,
            b.cost_usd::text AS stored, b.records AS stored_n,
            e.cost::text AS from_records, e.n AS from_records_n, r.cost::text AS from_rollups, r.n AS from_rollups_n
       FROM (SELECT * FROM spend_breakdowns WHERE tenant_id = ANY($1::uuid[])) b
       FULL JOIN (SELECT * FROM expected WHERE src = 'records') e
         ON e.tenant_id = b.tenant_id AND e.day = b.day AND e.dimension = b.dimension::text AND e.key = b.key AND e.resource = b.resource
       LEFT JOIN (SELECT * FROM expected WHERE src = 'rollups') r
         ON r.tenant_id = coalesce(b.tenant_id, e.tenant_id) AND r.day = coalesce(b.day, e.day)
        AND r.dimension = coalesce(b.dimension::text, e.dimension) AND r.key = coalesce(b.key, e.key)
        AND r.resource = coalesce(b.resource, e.resource)
      ORDER BY 1, 2, 3, 4, 5`,
    [tenantIds],
  );
  return rows;
}

function expectExact(rows: Awaited<ReturnType<typeof breakdownsVsSources>>) {
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    const where = `${r.day} ${r.dimension}=${JSON.stringify(r.key)} ${r.resource}`;
    expect(r.stored, `${where}: stored vs cost records`).toBe(r.from_records);
    expect(r.stored_n, `${where}: records`).toBe(r.from_records_n);
    expect(r.stored, `${where}: stored vs rollups`).toBe(r.from_rollups);
    expect(r.stored_n, `${where}: records vs rollups`).toBe(r.from_rollups_n);
  }
}

/** Per tenant and dimension, the sum over all keys: each dimension alone is the tenant's whole spend. */
async function dimensionTotals(tenantId: string) {
  const { rows } = await t.pool.query(
    `SELECT dimension::text AS dimension, sum(cost_usd)::text AS cost, sum(records)::int AS n
       FROM spend_breakdowns WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1`,
    [tenantId],
  );
  return rows;
}

describe("spend_breakdowns", () => {
  for (const groupCommit of [false, true]) {
    it(`stays exact under 160 concurrent records of two tenants over two days (${groupCommit ? "group commit" : "one transaction each"})`, async () => {
      const a = await quotaFreeTenant(`breakdowns-a-${groupCommit ? "gc" : "tx"}`);
      const b = await quotaFreeTenant(`breakdowns-b-${groupCommit ? "gc" : "tx"}`);
      const tg = createTollgate({ pool: t.pool, groupCommit, clock: () => new Date("2026-06-10T12:00:00Z") });
      const results = await Promise.all(
        Array.from({ length: 160 }, (_, i) => {
          const common = {
            tenantId: i % 3 === 0 ? b : a,
            userId: i % 11 === 0 ? undefined : `u${i % 7}`,
            touchpoint: i % 13 === 0 ? undefined : ["main-chat", "code-review", "title-generator"][i % 3],
            idempotencyKey: `k${i}`,
            // Every fifth record is a backfill into the day before (platform callers may).
            ...(i % 5 === 0 ? { occurredAt: new Date("2026-06-09T23:30:00Z") } : {}),
          };
          return i % 4 === 0
            ? tg.record({ ...common, resource: "sandbox", tier: "standard", durationMs: 1000 * (i + 1) })
            : tg.record({
                ...common, resource: "llm",
                ...(i % 2 ? { provider: "openai", model: "gpt-test" } : { provider: "anthropic", model: "claude-test" }),
                inputTokens: 1000 + i, outputTokens: 10 + i,
              });
        }),
      );
      expect(results.every((r) => r.allowed)).toBe(true);
      const rows = await breakdownsVsSources([a, b]);
      expectExact(rows);
      // Both days, both tenants, all three dimensions, and the unreported user and touchpoint.
      expect(new Set(rows.map((r) => `${r.tenant}/${r.day}`)).size).toBe(4);
      expect(rows.some((r) => r.dimension === "user" && r.key === "")).toBe(true);
      expect(rows.some((r) => r.dimension === "touchpoint" && r.key === "")).toBe(true);
      expect(rows.some((r) => r.dimension === "model" && r.key === "anthropic/claude-test" && r.resource === "llm")).toBe(true);
      expect(rows.some((r) => r.dimension === "model" && r.key === "" && r.resource === "sandbox")).toBe(true);
      for (const tenant of [a, b]) {
        const totals = await dimensionTotals(tenant);
        expect(totals.map((x) => x.dimension)).toEqual(["model", "touchpoint", "user"]);
        expect(new Set(totals.map((x) => `${x.cost} ${x.n}`)).size).toBe(1);
      }
      const { rows: all } = await t.pool.query(`SELECT sum(records)::int AS n FROM spend_breakdowns WHERE tenant_id = ANY($1::uuid[]) AND dimension = 'user'`, [[a, b]]);
      expect(all[0].n).toBe(160);
    });
  }

  it("the seed's rebuild of the rollups (SET = EXCLUDED) leaves every breakdown exact; a model without a provider keys by its name", async () => {
    const a = await quotaFreeTenant("breakdowns-seed");
    const tg = createTollgate({ pool: t.pool, clock: () => new Date("2026-06-12T08:00:00Z") });
    await tg.record({ tenantId: a, userId: "u1", touchpoint: "main-chat", resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 500_000, outputTokens: 0, idempotencyKey: "1" });
    await tg.record({ tenantId: a, userId: "u2", resource: "sandbox", tier: "standard", durationMs: 60_000, idempotencyKey: "2" });
    // A rollup written straight into spend_rollups (as a migration or repair would), no provider.
    await t.pool.query(
      `INSERT INTO spend_rollups (day, tenant_id, user_id, resource, provider, model, touchpoint, cost_usd, records)
       VALUES ('2026-06-11', $1, 'u1', 'llm', '', 'local-model', 'main-chat', 0.25, 2)`,
      [a],
    );
    const { rows: keys } = await t.pool.query(
      `SELECT key FROM spend_breakdowns WHERE tenant_id = $1 AND dimension = 'model' AND resource = 'llm' ORDER BY key`,
      [a],
    );
    expect(keys.map((k) => k.key)).toEqual(["local-model", "openai/gpt-test"]);
    const before = await t.pool.query(`SELECT day, dimension, key, resource, cost_usd::text, records FROM spend_breakdowns WHERE tenant_id = $1 ORDER BY 1, 2, 3, 4`, [a]);

    // The rebuild recomputes every rollup from cost_records: the hand-written rollup has no records
    // behind it, so it stays as it was; the others are rewritten with the same values, and the
    // trigger adds a difference of zero.
    await buildSpendRollups(t.prisma);
    const after = await t.pool.query(`SELECT day, dimension, key, resource, cost_usd::text, records FROM spend_breakdowns WHERE tenant_id = $1 ORDER BY 1, 2, 3, 4`, [a]);
    expect(after.rows).toEqual(before.rows);

    // A rollup corrected in place (UPDATE) moves its breakdowns by the difference.
    await t.pool.query(`UPDATE spend_rollups SET cost_usd = 0.75, records = 3 WHERE tenant_id = $1 AND model = 'local-model'`, [a]);
    const { rows: corrected } = await t.pool.query(
      `SELECT dimension::text, key, cost_usd::text AS cost, records FROM spend_breakdowns
        WHERE tenant_id = $1 AND day = '2026-06-11' ORDER BY 1, 2`,
      [a],
    );
    expect(corrected).toEqual([
      { dimension: "model", key: "local-model", cost: "0.7500000000", records: 3 },
      { dimension: "touchpoint", key: "main-chat", cost: "0.7500000000", records: 3 },
      { dimension: "user", key: "u1", cost: "0.7500000000", records: 3 },
    ]);
  });

  it("a tenant's row-level-security role reads only its own breakdowns", async () => {
    const a = await quotaFreeTenant("breakdowns-rls-a");
    const b = await quotaFreeTenant("breakdowns-rls-b");
    const tg = createTollgate({ pool: t.pool, clock: () => new Date("2026-06-12T08:00:00Z") });
    await tg.record({ tenantId: a, userId: "ua", resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 1000, outputTokens: 0, idempotencyKey: "a" });
    await tg.record({ tenantId: b, userId: "ub", resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 1000, outputTokens: 0, idempotencyKey: "b" });
    const c = await t.pool.connect();
    try {
      await c.query("BEGIN READ ONLY");
      await c.query("SET LOCAL ROLE tollgate_tenant");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [a]);
      const { rows } = await c.query(`SELECT DISTINCT tenant_id FROM spend_breakdowns WHERE tenant_id = ANY($1::uuid[])`, [[a, b]]);
      expect(rows).toEqual([{ tenant_id: a }]);
    } finally {
      await c.query("ROLLBACK");
      c.release();
    }
  });

  it("deleting a tenant deletes its breakdowns", async () => {
    const a = await quotaFreeTenant("breakdowns-delete");
    const tg = createTollgate({ pool: t.pool, clock: () => new Date("2026-06-12T08:00:00Z") });
    await tg.record({ tenantId: a, resource: "sandbox", tier: "standard", durationMs: 1000, idempotencyKey: "x" });
    await t.pool.query(`DELETE FROM tenants WHERE id = $1`, [a]);
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM spend_breakdowns WHERE tenant_id = $1`, [a]);
    expect(rows[0].n).toBe(0);
  });
});
