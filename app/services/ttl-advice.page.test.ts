// The cost-optimization figures over real cost records with hand-computed answers, as the
// analysis job stores them: nothing before its first run, then totals that add up exactly,
// per-tenant sums, the tenant filter, the order (biggest saving first), when they were computed,
// and a later run replacing them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { runAnalysis } from "./analysis/job.server.ts";
import { computeTtlAdvice } from "./analysis/ttl-advice.server.ts";
import { getCostOptimization, getTenantTtlAdvice } from "./ttl-advice.page.server.ts";

const NOW = new Date("2026-03-18T10:00:00Z");
const WINDOW = { at: "2026-03-18T10:00:00.000Z", windowFrom: "2026-02-16T10:00:00.000Z", windowTo: "2026-03-18T10:00:00.000Z" };
let t: TestDatabase;
const tenant: Record<string, string> = {};

async function runs(slug: string, touchpoint: string, n: number, billedMs: number, activeMs: number, ttl: number, cost: string) {
  await t.pool.query(
    `INSERT INTO cost_records (tenant_id, touchpoint, resource, tier, billed_duration_ms, active_duration_ms, sandbox_ttl_seconds, cost_usd, occurred_at)
     SELECT $1, $2, 'sandbox', 'standard', $3, $4, $5, $6, $7::timestamptz - g * interval '1 hour' FROM generate_series(1, $8) g`,
    [tenant[slug], touchpoint, billedMs, activeMs, ttl, cost, NOW.toISOString(), n],
  );
}

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(
    `INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex'), ('initech', 'Initech') RETURNING id, slug`,
  );
  for (const r of rows) tenant[r.slug] = r.id;
  await t.pool.query(`INSERT INTO sandbox_prices (tier, usd_per_second, effective_from) VALUES ('standard', 0.001, '2026-01-01')`);
  // acme/code-exec: 20 runs of 300 s billed, 60 s active under a 300 s TTL → TTL 80 s
  // (60 × 1.2 rounded up to 10 s); each run saves 220 s × $0.001 = $0.22, $4.40 in all.
  await runs("acme", "code-exec", 20, 300_000, 60_000, 300, "0.3");
  // acme/notebook: 5 runs of 100 s billed, 50 s active, TTL 600 → TTL 60 s, 40 s saved each: $0.20.
  await runs("acme", "notebook", 5, 100_000, 50_000, 600, "0.1");
  // globex: active 90 s needs 110 s, capped at the current 100 s TTL: nothing to save.
  await runs("globex", "code-exec", 10, 100_000, 90_000, 100, "0.1");
});

afterAll(async () => {
  await t?.drop();
});

describe("getCostOptimization", () => {
  it("has no advice before the analysis has run, and says how often it runs", async () => {
    const none = { computed: null, rows: [], totalSandboxCostUsd: "0.0000000000", totalSavingUsd: "0.0000000000", byTenant: [], refreshEveryHours: 6 };
    expect(await getCostOptimization()).toEqual(none);
    expect(await getTenantTtlAdvice(tenant.acme)).toEqual(none);
  });

  it("adds up cost and projected saving exactly, per tenant and in total, biggest saving first", async () => {
    const run = await runAnalysis({ now: NOW, pool: t.pool, sensitivity: 2 });
    expect(run.ttlAdvice).toEqual({ pairs: 3, recommended: 3, monthlySavingUsd: "4.6000000000" });
    const o = await getCostOptimization();
    expect(o.computed).toEqual(WINDOW);
    // The stored rows are exactly what the analysis computed.
    expect(o.rows).toEqual(await computeTtlAdvice(t.pool, { now: NOW }));
    expect(o.rows.map((r) => [r.tenantSlug, r.touchpoint, r.recommendedTtlSeconds, r.projectedMonthlySavingUsd])).toEqual([
      ["acme", "code-exec", 80, "4.4000000000"],
      ["acme", "notebook", 60, "0.2000000000"],
      ["globex", "code-exec", 100, "0.0000000000"],
    ]);
    expect(o.totalSandboxCostUsd).toBe("7.5000000000");
    expect(o.totalSavingUsd).toBe("4.6000000000");
    expect(o.byTenant).toEqual([
      {
        tenantSlug: "acme",
        tenantName: "Acme",
        billedSeconds: 6500,
        activeSeconds: 1450,
        idleSeconds: 5050,
        sandboxCostUsd: "6.5000000000",
        projectedMonthlySavingUsd: "4.6000000000",
      },
      {
        tenantSlug: "globex",
        tenantName: "Globex",
        billedSeconds: 1000,
        activeSeconds: 900,
        idleSeconds: 100,
        sandboxCostUsd: "1.0000000000",
        projectedMonthlySavingUsd: "0.0000000000",
      },
    ]);
  });

  it("filters by tenant slug; an unknown slug or a tenant without sandbox runs gives nothing", async () => {
    const globex = await getCostOptimization({ tenantSlug: "globex" });
    expect(globex.rows.map((r) => r.tenantSlug)).toEqual(["globex"]);
    expect(globex.totalSandboxCostUsd).toBe("1.0000000000");
    expect(await getCostOptimization({ tenantSlug: "nope" })).toMatchObject({ computed: WINDOW, rows: [], totalSavingUsd: "0.0000000000" });
    const initech = await getTenantTtlAdvice(tenant.initech);
    expect(initech).toEqual({
      computed: WINDOW, rows: [], totalSandboxCostUsd: "0.0000000000", totalSavingUsd: "0.0000000000", byTenant: [], refreshEveryHours: 6,
    });
    // The tenant page's read: acme's two touchpoints only.
    expect((await getTenantTtlAdvice(tenant.acme)).rows.map((r) => [r.tenantSlug, r.touchpoint])).toEqual([["acme", "code-exec"], ["acme", "notebook"]]);
  });

  it("a later run replaces the advice: new runs appear, runs that left the window go", async () => {
    // Two days on: initech's 4 runs of 200 s billed, 20 s active, TTL 300 → TTL 30 s, 170 s saved
    // each at $0.001 = $0.68. The older runs are still inside the 30 days.
    const later = new Date(NOW.getTime() + 2 * 86_400_000);
    await t.pool.query(
      `INSERT INTO cost_records (tenant_id, touchpoint, resource, tier, billed_duration_ms, active_duration_ms, sandbox_ttl_seconds, cost_usd, occurred_at)
       SELECT $1, 'code-exec', 'sandbox', 'standard', 200000, 20000, 300, 0.2, $2::timestamptz - g * interval '1 hour' FROM generate_series(1, 4) g`,
      [tenant.initech, later],
    );
    await runAnalysis({ now: later, pool: t.pool, sensitivity: 2 });
    const o = await getCostOptimization();
    expect(o.computed).toEqual({ at: "2026-03-20T10:00:00.000Z", windowFrom: "2026-02-18T10:00:00.000Z", windowTo: "2026-03-20T10:00:00.000Z" });
    expect(o.rows.map((r) => [r.tenantSlug, r.touchpoint, r.recommendedTtlSeconds, r.projectedMonthlySavingUsd])).toEqual([
      ["acme", "code-exec", 80, "4.4000000000"],
      ["initech", "code-exec", 30, "0.6800000000"],
      ["acme", "notebook", 60, "0.2000000000"],
      ["globex", "code-exec", 100, "0.0000000000"],
    ]);
    expect(o.totalSavingUsd).toBe("5.2800000000");
    // One stored run, no rows of the previous one left behind.
    const { rows } = await t.pool.query(`SELECT (SELECT count(*) FROM ttl_advice_runs)::int AS runs, (SELECT count(*) FROM ttl_advice)::int AS rows`);
    expect(rows[0]).toEqual({ runs: 1, rows: 4 });

    // Forty days on, every run has left the window: a run with no rows, not "no advice yet".
    await runAnalysis({ now: new Date(NOW.getTime() + 40 * 86_400_000), pool: t.pool, sensitivity: 2 });
    expect(await getCostOptimization()).toMatchObject({ computed: { at: "2026-04-27T10:00:00.000Z" }, rows: [], totalSavingUsd: "0.0000000000" });
  });
});
