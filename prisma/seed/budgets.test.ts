// The demo's quota states early in a month: a near tenant's month-to-date is a day's spend, so
// its near state goes on a day quota (soft) instead of an absurd month limit; the breaching
// tenant's LLM month limit is under the pace of its last two weeks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuota, createTenant } from "../../app/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../../app/db/test/test-database.ts";
import { tuneTenantQuotas } from "./budgets.ts";

const NOW = new Date("2026-12-02T12:00:00Z"); // the second day of December
let t: TestDatabase;
const ids = new Map<string, string>();

beforeAll(async () => {
  t = await createTestDatabase();
  for (const slug of ["initech", "pied-piper"]) {
    const id = await createTenant(t.pool, slug);
    ids.set(slug, id);
    // The default templates' LLM month quota (the test database has no templates).
    await createQuota(t.pool, { scope: "tenant", tenantId: id, resource: "llm", period: "month", limit: "100" });
  }
  // $10 of LLM at noon of each of the last 40 days, and $6 this morning.
  for (const id of ids.values()) {
    await t.pool.query(
      `INSERT INTO cost_records (tenant_id, resource, cost_usd, occurred_at)
       SELECT $1::uuid, 'llm'::"ResourceType", 10, $2::timestamptz - k * interval '1 day' FROM generate_series(1, 40) AS k
       UNION ALL SELECT $1::uuid, 'llm'::"ResourceType", 6, $3::timestamptz`,
      [id, new Date(Date.parse("2026-12-02T12:00:00Z")), new Date("2026-12-02T09:00:00Z")],
    );
  }
});
afterAll(async () => t?.drop());

describe("tuneTenantQuotas early in a month", () => {
  it("puts the near tenant at 92% of a day quota and the breaching tenant under its pace", async () => {
    await tuneTenantQuotas(t.prisma, NOW, ids);
    const rows = (
      await t.pool.query(
        `SELECT t.slug, q.resource::text AS resource, q.period::text AS period, q.limit_usd::text AS limit, q.enforcement::text AS enforcement
           FROM quotas q JOIN tenants t ON t.id = q.tenant_id WHERE q.resource = 'llm' ORDER BY 1, 3`,
      )
    ).rows;
    // Month to date: Dec 1 noon ($10) + today ($6) = $16, under 15% of a month: initech's near
    // state goes on a day quota, today's $6 / 0.92 → $6.53, and its month limit is the normal one
    // (the last 30 days' $296 × 1.7 → $510). pied-piper: $16 + $10/day × 29.5 days left × 0.6 =
    // $193.00 for the month, where the pace says $311.
    expect(rows).toEqual([
      { slug: "initech", resource: "llm", period: "day", limit: "6.5300000000", enforcement: "soft" },
      { slug: "initech", resource: "llm", period: "month", limit: "510.0000000000", enforcement: "hard" },
      { slug: "pied-piper", resource: "llm", period: "month", limit: "193.0000000000", enforcement: "hard" },
    ]);
  });
});
