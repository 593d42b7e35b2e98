// Spend summaries over spend_rollups with a fixed clock: exact sums, period boundaries,
// quota utilization and the tenant search.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { getPlatformOverview, getTenantOverview, listTenantsWithSpend } from "./spend.page.server.ts";

// A Wednesday: the ISO week started on Monday the 16th.
const NOW = new Date("2026-03-18T10:00:00Z");
let t: TestDatabase;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createAppTestDatabase();
  await t.pool.query(`INSERT INTO default_quotas (resource, period, limit_usd) VALUES
    ('llm', 'month', 100), ('sandbox', 'month', 50), ('all', 'month', 150)`);
  const { rows } = await t.pool.query(
    `INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex'), ('pct', '100% Real') RETURNING id, slug`,
  );
  for (const r of rows) ids[r.slug] = r.id;
  await t.pool.query(`INSERT INTO quotas (scope, resource, period, limit_usd) VALUES
    ('platform', 'llm', 'month', 1000), ('platform', 'sandbox', 'month', 500), ('platform', 'all', 'day', 40)`);
  const rollups: [string, string, string, string, string][] = [
    ["acme", "2026-03-18", "llm", "model-a", "12.3456789"],
    ["acme", "2026-03-18", "llm", "model-b", "0.0000000001"],
    ["acme", "2026-03-10", "sandbox", "", "5.5"],
    ["globex", "2026-03-18", "sandbox", "", "2.25"],
    ["globex", "2026-03-01", "llm", "model-a", "100"],
    ["acme", "2026-02-28", "llm", "model-a", "999"], // last month, inside the 30-day trend
    ["globex", "2026-02-10", "llm", "model-a", "50"], // outside both
  ];
  for (const [slug, day, resource, model, cost] of rollups) {
    await t.pool.query(
      `INSERT INTO spend_rollups (day, tenant_id, resource, model, cost_usd, records) VALUES ($1, $2, $3, $4, $5, 1)`,
      [day, ids[slug], resource, model, cost],
    );
  }
  // An open hold on acme's LLM quota this month.
  await t.pool.query(
    `INSERT INTO quota_usage (quota_id, period_start, spent_usd, reserved_usd)
     SELECT id, '2026-03-01T00:00:00Z', 0, 3.5 FROM quotas WHERE tenant_id = $1 AND resource = 'llm'`,
    [ids.acme],
  );
});

afterAll(async () => {
  await t?.drop();
});

describe("getPlatformOverview", () => {
  it("sums today and this month exactly, per resource", async () => {
    const o = await getPlatformOverview(NOW);
    expect(o.asOf).toBe("2026-03-18");
    expect(o.todayUsd).toBe("14.5956789001");
    expect(o.monthUsd).toBe("120.0956789001");
    expect(o.monthLlmUsd).toBe("112.3456789001");
    expect(o.monthSandboxUsd).toBe("7.7500000000");
  });

  it("reports the platform quotas against the spend of their own period", async () => {
    const { quotas } = await getPlatformOverview(NOW);
    expect(quotas.map(({ id: _id, ...q }) => q)).toEqual([
      {
        resource: "all",
        period: "day",
        periodStart: "2026-03-18",
        limitUsd: "40.0000000000",
        spentUsd: "14.5956789001",
        reservedUsd: "0",
        utilizationPercent: 36.49,
        enforcement: "hard",
        enabled: true,
      },
      {
        resource: "llm",
        period: "month",
        periodStart: "2026-03-01",
        limitUsd: "1000.0000000000",
        spentUsd: "112.3456789001",
        reservedUsd: "0",
        utilizationPercent: 11.23,
        enforcement: "hard",
        enabled: true,
      },
      {
        resource: "sandbox",
        period: "month",
        periodStart: "2026-03-01",
        limitUsd: "500.0000000000",
        spentUsd: "7.7500000000",
        reservedUsd: "0",
        utilizationPercent: 1.55,
        enforcement: "hard",
        enabled: true,
      },
    ]);
  });

  it("ranks tenants by this month's spend and fills every day of the 30-day trend", async () => {
    const o = await getPlatformOverview(NOW);
    expect(o.topTenants).toEqual([
      { slug: "globex", name: "Globex", monthUsd: "102.2500000000" },
      { slug: "acme", name: "Acme", monthUsd: "17.8456789001" },
    ]);
    expect(o.trend).toHaveLength(30);
    expect(o.trend[0]).toEqual({ day: "2026-02-17", llmUsd: "0", sandboxUsd: "0" });
    expect(o.trend.at(-1)).toEqual({ day: "2026-03-18", llmUsd: "12.3456789001", sandboxUsd: "2.2500000000" });
    expect(o.trend.find((d) => d.day === "2026-02-28")).toEqual({ day: "2026-02-28", llmUsd: "999.0000000000", sandboxUsd: "0" });
    expect(o.trend.filter((d) => d.llmUsd !== "0" || d.sandboxUsd !== "0").map((d) => d.day)).toEqual([
      "2026-02-28",
      "2026-03-01",
      "2026-03-10",
      "2026-03-18",
    ]);
  });

  it("is all zeros before anything was spent", async () => {
    const o = await getPlatformOverview(new Date("2025-01-15T00:00:00Z"));
    expect(o.monthUsd).toBe("0");
    expect(o.todayUsd).toBe("0");
    expect(o.topTenants).toEqual([]);
    expect(o.trend.every((d) => d.llmUsd === "0" && d.sandboxUsd === "0")).toBe(true);
  });
});

describe("getTenantOverview", () => {
  it("shows only that tenant's spend and quotas, with open holds", async () => {
    const o = await getTenantOverview(ids.acme, NOW);
    expect(o.todayUsd).toBe("12.3456789001");
    expect(o.monthUsd).toBe("17.8456789001");
    expect(o.monthSandboxUsd).toBe("5.5000000000");
    expect(o.quotas.map((q) => [q.resource, q.spentUsd, q.reservedUsd, q.utilizationPercent])).toEqual([
      ["llm", "12.3456789001", "3.5000000000", 15.85], // (12.3456789001 + 3.5 held) of 100: what the core counts,
      ["sandbox", "5.5000000000", "0", 11],
      ["all", "17.8456789001", "0", 11.9],
    ]);
    expect(o.trend.at(-1)).toEqual({ day: "2026-03-18", llmUsd: "12.3456789001", sandboxUsd: "0" });
  });
});

describe("listTenantsWithSpend", () => {
  it("lists every tenant with this month's spend, zero included", async () => {
    expect((await listTenantsWithSpend("", NOW)).map((r) => [r.name, r.monthUsd])).toEqual([
      ["100% Real", "0"],
      ["Acme", "17.8456789001"],
      ["Globex", "102.2500000000"],
    ]);
  });

  it("searches name and slug case-insensitively, with LIKE wildcards taken literally", async () => {
    expect((await listTenantsWithSpend("GLOB", NOW)).map((r) => r.slug)).toEqual(["globex"]);
    expect((await listTenantsWithSpend("pct", NOW)).map((r) => r.slug)).toEqual(["pct"]);
    expect((await listTenantsWithSpend("%", NOW)).map((r) => r.slug)).toEqual(["pct"]);
    expect(await listTenantsWithSpend("_", NOW)).toEqual([]);
  });
});
