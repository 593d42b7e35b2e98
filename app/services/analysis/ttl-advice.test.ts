// TTL advice on synthetic sandbox runs with known idle tails, through the real database
// (computeTtlAdvice) and the pure function; every figure below is computed by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { money, toDb } from "~/core/money.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { addSandboxPrice, createTenant } from "~/core/test/fixtures.ts";
import { computeTtlAdvice, recommendedTtlSql } from "./ttl-advice.server.ts";
import { adviseTtl, nearestRank, recommendTtl } from "./ttl-advice.ts";

const NOW = new Date("2026-11-20T12:00:00Z");
const RATE = "0.0001"; // standard tier, USD per second

let t: TestDatabase;
let tenantId: string;

async function run(tenant: string, r: { activeS: number | null; billedS: number; ttl: number | null; touchpoint?: string | null; daysAgo?: number; tier?: string }) {
  await t.pool.query(
    `INSERT INTO cost_records (tenant_id, resource, touchpoint, tier, billed_duration_ms, active_duration_ms, sandbox_ttl_seconds, cost_usd, occurred_at)
     VALUES ($1, 'sandbox', $2, $3, $4, $5, $6, $7, $8)`,
    [
      tenant, r.touchpoint === undefined ? "sandbox:create" : r.touchpoint, r.tier ?? "standard", r.billedS * 1000,
      r.activeS === null ? null : r.activeS * 1000, r.ttl, toDb(money(RATE).mul(r.billedS)), new Date(NOW.getTime() - (r.daysAgo ?? 1) * 86_400_000),
    ],
  );
}

beforeAll(async () => {
  t = await createTestDatabase();
  await addSandboxPrice(t.pool, "standard", RATE, "2025-01-01");
  tenantId = await createTenant(t.pool, "ttl-co", "Tenant ttl-co");
  // 18 runs whose work takes 10, 20, …, 180 s and that are left to idle until the 600 s TTL fires.
  for (let k = 1; k <= 18; k++) await run(tenantId, { activeS: 10 * k, billedS: 600, ttl: 600 });
  // One run killed right after its 190 s of work, one long 500 s job.
  await run(tenantId, { activeS: 190, billedS: 195, ttl: 600 });
  await run(tenantId, { activeS: 500, billedS: 600, ttl: 600 });
  // Outside the window (31 days ago), and another touchpoint that reports no active time.
  await run(tenantId, { activeS: 10, billedS: 600, ttl: 600, daysAgo: 31 });
  await run(tenantId, { activeS: null, billedS: 300, ttl: 300, touchpoint: "code-runner" });
  const other = await createTenant(t.pool, "other-co");
  await run(other, { activeS: 5, billedS: 900, ttl: 900 });
});
afterAll(async () => t?.drop());

describe("TTL advice", () => {
  it("matches the hand computation for runs with known idle tails", async () => {
    const rows = await computeTtlAdvice(t.pool, { tenantId, now: NOW });
    expect(rows.map((r) => r.touchpoint)).toEqual(["sandbox:create", "code-runner"]);
    // 20 runs in the window. Active durations sorted: 10 … 190, 500; the 95% nearest rank is the
    // ceil(0.95 × 20) = 19th value, 190 s; + 20% = 228 s, rounded up to 10 s → 230 s (< 600 s).
    // Projected: the 18 idle runs are billed 230 s instead of 600 s (18 × 370 s = 6,660 s saved);
    // the killed run (195 s) is already under 230 s; the 500 s job needs longer (no saving claimed).
    // 6,660 s × $0.0001 = $0.666 over the 30-day window = the projected month.
    expect(rows[0]).toEqual({
      tenantId, tenantSlug: "ttl-co", tenantName: "Tenant ttl-co", touchpoint: "sandbox:create",
      runs: 20,
      billedSeconds: 18 * 600 + 195 + 600, // 11,595
      activeSeconds: (10 + 180) * 9 + 190 + 500, // 2,400
      idleSeconds: 11_595 - 2_400, // 9,195
      currentTtlSeconds: 600,
      recommendedTtlSeconds: 230,
      sandboxCostUsd: "1.1595000000",
      projectedMonthlySavingUsd: "0.6660000000",
    });
    // Runs without active time are priced but give no recommendation.
    expect(rows[1]).toMatchObject({ runs: 1, billedSeconds: 300, activeSeconds: 0, currentTtlSeconds: 300, recommendedTtlSeconds: null, projectedMonthlySavingUsd: "0.0000000000" });
  });

  it("all tenants without a filter, biggest saving first", async () => {
    const rows = await computeTtlAdvice(t.pool, { now: NOW });
    // other-co: one 5 s run → TTL max(30, ceil(6 / 10) × 10) = 30 s; 870 s saved × $0.0001 = $0.087.
    expect(rows.map((r) => [r.tenantSlug, r.touchpoint, r.recommendedTtlSeconds, r.projectedMonthlySavingUsd])).toEqual([
      ["ttl-co", "sandbox:create", 230, "0.6660000000"],
      ["other-co", "sandbox:create", 30, "0.0870000000"],
      ["ttl-co", "code-runner", null, "0.0000000000"],
    ]);
  });

  it("never recommends more than the current TTL, and the pure rule in isolation", () => {
    const runs = [100, 200, 300].map((s) => ({ billedMs: 120_000, activeMs: s * 1000, ttlSeconds: 120, costUsd: money("0.012"), usdPerSecond: money(RATE) }));
    expect(adviseTtl(runs)).toMatchObject({ recommendedTtlSeconds: 120, savedSeconds: 0 });
    expect(nearestRank([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(nearestRank([5, 1, 4, 2, 3], 0.6)).toBe(3);
  });
});

describe("the database path and the pure function agree", () => {
  it("on 300 pseudo-random runs of three touchpoints (ms durations, mixed TTLs and missing active times)", async () => {
    const tenant = await createTenant(t.pool, "ttl-random");
    let seed = 7;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const runs: { touchpoint: string; billedMs: number; activeMs: number | null; ttl: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const ttl = [300, 600, 900][i % 3];
      const activeMs = 1_000 + Math.floor(rnd() * (ttl * 1000 - 2_000));
      const billedMs = rnd() < 0.2 ? ttl * 1000 : Math.min(ttl * 1000, activeMs + Math.floor(rnd() * 20_000));
      runs.push({ touchpoint: `tp-${i % 3}`, billedMs, activeMs: rnd() < 0.05 ? null : activeMs, ttl });
    }
    for (const r of runs) {
      await t.pool.query(
        `INSERT INTO cost_records (tenant_id, resource, touchpoint, tier, billed_duration_ms, active_duration_ms, sandbox_ttl_seconds, cost_usd, occurred_at)
         VALUES ($1, 'sandbox', $2, 'standard', $3, $4, $5, $6, $7)`,
        [tenant, r.touchpoint, r.billedMs, r.activeMs, r.ttl, toDb(money(RATE).mul(r.billedMs).div(1000)), new Date(NOW.getTime() - 86_400_000)],
      );
    }
    const fromDb = await computeTtlAdvice(t.pool, { tenantId: tenant, now: NOW });
    expect(fromDb).toHaveLength(3);
    for (const row of fromDb) {
      const mine = runs.filter((r) => r.touchpoint === row.touchpoint);
      const a = adviseTtl(mine.map((r) => ({ billedMs: r.billedMs, activeMs: r.activeMs, ttlSeconds: r.ttl, costUsd: money(RATE).mul(r.billedMs).div(1000), usdPerSecond: money(RATE) })));
      expect(row).toMatchObject({
        runs: a.runs,
        billedSeconds: a.billedSeconds,
        activeSeconds: a.activeSeconds,
        idleSeconds: a.idleSeconds,
        currentTtlSeconds: a.currentTtlSeconds,
        recommendedTtlSeconds: a.recommendedTtlSeconds,
        sandboxCostUsd: toDb(a.sandboxCostUsd),
        projectedMonthlySavingUsd: toDb(a.savingUsd),
      });
    }
  });
});

describe("the recommended TTL in SQL", () => {
  it("is recommendTtl's integer for every covered time from 0 to 2 hours, to the millisecond", async () => {
    // Both sides are non-decreasing in the covered time, so equal values at both ends of every
    // run of equal SQL results, and a different value just before each run, make them equal on
    // all 7.2 million milliseconds.
    const { rows } = await t.pool.query(
      `SELECT ttl, min(ms)::int AS first, max(ms)::int AS last
         FROM (SELECT ms, ${recommendedTtlSql("ms", "NULL::int")} AS ttl FROM generate_series(0, 7200000) ms) x
        GROUP BY ttl ORDER BY ttl`,
    );
    expect(rows.length).toBe(862); // 30 s (up to 25 s covered), then 40 s … 8,640 s (7,200 s × 1.2) in steps of 10 s
    for (const r of rows) {
      expect([recommendTtl(r.first / 1000, null), recommendTtl(r.last / 1000, null)]).toEqual([r.ttl, r.ttl]);
      if (r.first > 0) expect(recommendTtl((r.first - 1) / 1000, null)).not.toBe(r.ttl);
    }
    // The cap: never above the current TTL, which a NULL does not lower.
    const { rows: capped } = await t.pool.query(
      `SELECT ${recommendedTtlSql("190000", "600")} AS under, ${recommendedTtlSql("190000", "200")} AS capped, ${recommendedTtlSql("1000", "20")} AS tiny`,
    );
    expect(capped[0]).toEqual({ under: recommendTtl(190, 600), capped: recommendTtl(190, 200), tiny: recommendTtl(1, 20) });
    expect(capped[0]).toEqual({ under: 230, capped: 200, tiny: 20 });
  });
});
