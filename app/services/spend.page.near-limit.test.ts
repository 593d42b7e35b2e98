// The overview's "quotas near their limit": current period only, open holds counted, fullest
// first, platform quotas and disabled quotas left out.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { getPlatformOverview } from "./spend.page.server.ts";

const NOW = new Date("2026-03-18T10:00:00Z"); // Wednesday; ISO week from Monday the 16th
let t: TestDatabase;

beforeAll(async () => {
  t = await createAppTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function quota(tenant: string | null, scope: string, scopeId: string | null, period: string, limit: string, enabled = true) {
  const { rows } = await t.pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, enabled)
     VALUES ($1, $2, $3, 'llm', $4, $5, $6) RETURNING id`,
    [scope, scopeId, tenant, period, limit, enabled],
  );
  return rows[0].id as string;
}

async function usage(quotaId: string, periodStart: string, spent: string, reserved = "0") {
  await t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, spent_usd, reserved_usd) VALUES ($1, $2, $3, $4)`, [
    quotaId,
    periodStart,
    spent,
    reserved,
  ]);
}

it("lists tenant and user quotas at ≥ 80% this period, fullest first", async () => {
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('a', 'Alpha'), ('b', 'Beta') RETURNING id, slug`);
  const [a, b] = rows.map((r) => r.id);
  const month = await quota(a, "tenant", a, "month", "100");
  await usage(month, "2026-03-01T00:00:00Z", "70", "15"); // 85% with the hold
  const user = await quota(a, "user", "u-7", "day", "10");
  await usage(user, "2026-03-18T00:00:00Z", "9.5"); // 95%
  const week = await quota(b, "tenant", b, "week", "50");
  await usage(week, "2026-03-16T00:00:00Z", "39.99"); // 79.98%: not listed
  await usage(week, "2026-03-09T00:00:00Z", "50"); // last week: not this period
  const off = await quota(b, "user", "u-9", "month", "1", false);
  await usage(off, "2026-03-01T00:00:00Z", "5"); // disabled: not listed
  const platform = await quota(null, "platform", null, "month", "10");
  await usage(platform, "2026-03-01T00:00:00Z", "10"); // platform quotas have their own card

  const o = await getPlatformOverview(NOW);
  expect(o.nearLimit).toEqual([
    { id: user, tenantSlug: "a", tenantName: "Alpha", scope: "user", scopeId: "u-7", resource: "llm", period: "day", limitUsd: "10.0000000000", usedUsd: "9.5000000000", utilizationPercent: 95 },
    { id: month, tenantSlug: "a", tenantName: "Alpha", scope: "tenant", scopeId: a, resource: "llm", period: "month", limitUsd: "100.0000000000", usedUsd: "85.0000000000", utilizationPercent: 85 },
  ]);
});
