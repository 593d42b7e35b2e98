// spend_daily (one row per UTC day × tenant, kept by a trigger on spend_rollups) must equal the
// cost records it summarises, whoever writes them: the core one decision at a time or in group
// commit batches, backfills into earlier days, and the seed's rebuild of the rollups. Tenants
// here have no quotas, so nothing else serialises their writers: concurrent writers of both
// resources must neither deadlock nor lose an increment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSpendRollups } from "../../prisma/seed/aggregates.ts";
import { createTollgate } from "../core/index.ts";
import { addLlmPrice, addSandboxPrice, createQuotaFreeTenant } from "../core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "./test/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await addLlmPrice(t.pool, { model: "gpt-test", input: "2", output: "8", from: "2026-01-01" });
  await addSandboxPrice(t.pool, "standard", "0.0001");
});
afterAll(async () => t?.drop());

const quotaFreeTenant = (slug: string) => createQuotaFreeTenant(t.pool, slug);

/** spend_daily next to the same sums straight from cost_records, for these tenants. */
async function dailyVsRecords(tenantIds: string[]) {
  const { rows } = await t.pool.query(
    `WITH r AS (
       SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, tenant_id,
              coalesce(sum(cost_usd) FILTER (WHERE resource = 'llm'), 0)::numeric(24, 10) AS llm,
              coalesce(sum(cost_usd) FILTER (WHERE resource = 'sandbox'), 0)::numeric(24, 10) AS sandbox, count(*)::int AS n
         FROM cost_records WHERE tenant_id = ANY($1::uuid[]) GROUP BY 1, 2)
     SELECT to_char(coalesce(d.day, r.day), 'YYYY-MM-DD') AS day, coalesce(d.tenant_id, r.tenant_id) AS tenant,
            d.llm_usd::text AS daily_llm, r.llm::text AS records_llm, d.sandbox_usd::text AS daily_sandbox,
            r.sandbox::text AS records_sandbox, d.records AS daily_n, r.n AS records_n
       FROM (SELECT * FROM spend_daily WHERE tenant_id = ANY($1::uuid[])) d
       FULL JOIN r ON r.day = d.day AND r.tenant_id = d.tenant_id
      ORDER BY 1, 2`,
    [tenantIds],
  );
  return rows;
}

function expectExact(rows: Awaited<ReturnType<typeof dailyVsRecords>>) {
  for (const r of rows) {
    expect(r.daily_llm, `${r.day} llm`).toBe(r.records_llm);
    expect(r.daily_sandbox, `${r.day} sandbox`).toBe(r.records_sandbox);
    expect(r.daily_n, `${r.day} records`).toBe(r.records_n);
  }
}

describe("spend_daily", () => {
  for (const groupCommit of [false, true]) {
    it(`stays exact under 120 concurrent LLM and sandbox records of one tenant (${groupCommit ? "group commit" : "one transaction each"})`, async () => {
      const tenantId = await quotaFreeTenant(`daily-${groupCommit ? "gc" : "tx"}`);
      const tg = createTollgate({ pool: t.pool, groupCommit, clock: () => new Date("2026-06-10T12:00:00Z") });
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          i % 2
            ? tg.record({ tenantId, userId: `u${i % 7}`, resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 1000 + i, outputTokens: 10, idempotencyKey: `l${i}` })
            : tg.record({ tenantId, userId: `u${i % 5}`, resource: "sandbox", tier: "standard", durationMs: 1000 * (i + 1), idempotencyKey: `s${i}` }),
        ),
      );
      expect(results.every((r) => r.allowed)).toBe(true);
      const rows = await dailyVsRecords([tenantId]);
      expect(rows).toHaveLength(1);
      // LLM: Σ (1000+i)·2/1e6 + 10·8/1e6 over odd i < 120; sandbox: Σ (i+1)·0.0001 over even i.
      const odd = Array.from({ length: 60 }, (_, k) => 2 * k + 1);
      const llm = odd.reduce((s, i) => s + (1000 + i) * 2 + 80, 0) / 1e6;
      const sandbox = odd.reduce((s, i) => s + i, 0) * 0.0001; // i+1 for even i = the odd numbers
      expect(rows[0]).toMatchObject({ day: "2026-06-10", daily_llm: llm.toFixed(10), daily_sandbox: sandbox.toFixed(10), daily_n: 120 });
      expectExact(rows);
    });
  }

  it("a backfill lands on its own day; the seed's rebuild of the rollups leaves every day exact", async () => {
    const a = await quotaFreeTenant("daily-backfill-a");
    const b = await quotaFreeTenant("daily-backfill-b");
    const tg = createTollgate({ pool: t.pool, clock: () => new Date("2026-06-12T08:00:00Z") });
    await tg.record({ tenantId: a, resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 500_000, outputTokens: 0, idempotencyKey: "now" });
    await tg.record({ tenantId: a, resource: "sandbox", tier: "standard", durationMs: 60_000, idempotencyKey: "old", occurredAt: new Date("2026-05-31T23:59:59Z") });
    await tg.record({ tenantId: b, resource: "llm", provider: "openai", model: "gpt-test", inputTokens: 0, outputTokens: 250_000, idempotencyKey: "b" });
    const before = await dailyVsRecords([a, b]);
    expect(before.map((r) => [r.day, r.daily_llm, r.daily_sandbox])).toEqual(
      expect.arrayContaining([
        ["2026-05-31", "0.0000000000", "0.0060000000"],
        ["2026-06-12", "1.0000000000", "0.0000000000"],
        ["2026-06-12", "2.0000000000", "0.0000000000"],
      ]),
    );
    expect(before).toHaveLength(3);
    expectExact(before);

    // The seed recomputes every rollup (ON CONFLICT … SET = EXCLUDED): the trigger adds the
    // difference, which is zero for rows that were already right.
    await buildSpendRollups(t.prisma);
    expect(await dailyVsRecords([a, b])).toEqual(before);
  });
});
