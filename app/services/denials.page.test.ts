// What the panel shows of denials (ADR 0014), from denials the core really made: "denied today"
// platform-wide and per tenant, per quota (today and this period), the denials over time and
// "who hit a cap"; a tenant's figures never include another tenant's, and a tenant admin sees
// only their own tenant's page. Empty states come as zeros and empty lists.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTollgate } from "~/core/index.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as overviewPage from "~/routes/admin+/_index.tsx";
import * as tenantPage from "~/routes/t+/$tenantSlug+/_index.tsx";
import { defaultSpendRange } from "~/schemas/records.ts";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import { getPlatformDenials, getTenantDenials } from "./denials.page.server.ts";

let t: TestDatabase;
let users: Record<"admin" | "acmeAdmin", SignedInUser>;
const id: Record<string, string> = {};
const q: Record<string, string> = {};
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createAppTestDatabase();
  for (const slug of ["acme", "globex", "initech", "quiet"]) id[slug] = await createTenant(t.pool, slug, slug[0].toUpperCase() + slug.slice(1));
  q.platform = await createQuota(t.pool, { scope: "platform", limit: "100" });
  q.acme = await createQuota(t.pool, { scope: "tenant", tenantId: id.acme, limit: "5" });
  q.ann = await createQuota(t.pool, { scope: "user", tenantId: id.acme, userId: "ann", limit: "1" });
  q.globex = await createQuota(t.pool, { scope: "tenant", tenantId: id.globex, limit: "2" });
  q.quiet = await createQuota(t.pool, { scope: "tenant", tenantId: id.quiet, limit: "2" });
  users = await signInUsers(t.pool, { admin: { role: "admin" }, acmeAdmin: { role: "tenant_admin", tenantId: id.acme } });

  const tg = createTollgate({ pool: t.pool, groupCommit: false, leases: false });
  const reserve = (tenant: string, key: string, usd: string, userId?: string) =>
    tg.reserve({ tenantId: id[tenant], userId, resource: "llm", idempotencyKey: key, estimatedCostUsd: usd });
  const outcomes = [
    await reserve("acme", "a1", "0.8", "ann"),
    await reserve("acme", "a2", "0.5", "ann"), // denied by ann's $1
    await reserve("acme", "a3", "4.5", "bob"), // denied by acme's $5
    await reserve("acme", "a4", "4.2"),
    await reserve("acme", "a5", "0.01"), // denied by acme's $5
    await reserve("acme", "a5", "0.01"), // its retry: not counted again
    await reserve("globex", "g1", "3", "gus"), // denied by globex's $2
    await reserve("initech", "i1", "150", "ivy"), // denied by the platform's $100
  ].map((d) => (d.allowed ? "allowed" : d.denial.quotaId));
  expect(outcomes).toEqual(["allowed", q.ann, q.acme, "allowed", q.acme, q.acme, q.globex, q.platform]);
});

afterAll(async () => {
  await t?.drop();
});

describe("getTenantDenials", () => {
  it("today, per quota, over the range and who hit a cap: the tenant's own denials, exact", async () => {
    const d = await getTenantDenials(id.acme, defaultSpendRange(new Date()));
    expect(d.today).toEqual({ count: 3, usd: "5.0100000000" });
    expect(d.byQuota).toEqual({
      [q.acme]: { today: { count: 2, usd: "4.5100000000" }, period: { count: 2, usd: "4.5100000000" } },
    });
    expect(d.series).toHaveLength(30);
    expect(d.series.filter((b) => b.count > 0)).toEqual([{ start: today, count: 3, usd: "5.0100000000" }]);
    expect(d.capped.map(({ lastDeniedAt, ...c }) => c)).toEqual([
      { userId: "", quotaId: q.acme, scope: "tenant", resource: "llm", period: "month", count: 1, usd: "0.0100000000" },
      { userId: "bob", quotaId: q.acme, scope: "tenant", resource: "llm", period: "month", count: 1, usd: "4.5000000000" },
      { userId: "ann", quotaId: q.ann, scope: "user", resource: "llm", period: "month", count: 1, usd: "0.5000000000" },
    ]);
    // Ties on count: the latest denial first.
    expect(d.capped.map((c) => c.lastDeniedAt)).toEqual([...d.capped.map((c) => c.lastDeniedAt)].sort().reverse());
  });

  it("a tenant without denials: zeros, every bucket present, nobody capped", async () => {
    const d = await getTenantDenials(id.quiet, { from: "2026-11-30", to: "2026-12-13", grain: "week" });
    expect(d).toEqual({
      today: { count: 0, usd: "0" },
      byQuota: { [q.quiet]: { today: { count: 0, usd: "0" }, period: { count: 0, usd: "0" } } },
      series: [
        { start: "2026-11-30", count: 0, usd: "0" },
        { start: "2026-12-07", count: 0, usd: "0" },
      ],
      capped: [],
    });
  });
});

describe("getPlatformDenials", () => {
  it("every tenant's denials today, and the platform quota's own", async () => {
    const d = await getPlatformDenials();
    expect(d.today).toEqual({ count: 5, usd: "158.0100000000" });
    expect(d.byQuota).toEqual({ [q.platform]: { today: { count: 1, usd: "150.0000000000" }, period: { count: 1, usd: "150.0000000000" } } });
  });
});

describe("the pages' loaders", () => {
  it("the overview shows denied today and each platform quota's denials; a tenant admin cannot open it", async () => {
    const o = await overviewPage.loader(routeArgs(panelRequest(users.admin, "/admin")));
    expect(o.deniedToday).toEqual({ count: 5, usd: "158.0100000000" });
    expect(o.quotas.map((x) => [x.id, x.denied])).toEqual([[q.platform, { today: { count: 1, usd: "150.0000000000" }, period: { count: 1, usd: "150.0000000000" } }]]);
    expect(await statusOf(() => overviewPage.loader(routeArgs(panelRequest(users.acmeAdmin, "/admin"))))).toBe(404);
  });

  it("a tenant admin sees their own tenant's denials on its page, and cannot open another tenant's", async () => {
    const page = await tenantPage.loader(routeArgs(panelRequest(users.acmeAdmin, "/t/acme"), { tenantSlug: "acme" }));
    expect(page.denials.today).toEqual({ count: 3, usd: "5.0100000000" });
    expect(page.quotas.map((x) => [x.id, x.denied.today])).toEqual([[q.acme, { count: 2, usd: "4.5100000000" }]]);
    expect(page.denials.capped.map((c) => c.userId)).toEqual(["", "bob", "ann"]);
    expect(await statusOf(() => tenantPage.loader(routeArgs(panelRequest(users.acmeAdmin, "/t/globex"), { tenantSlug: "globex" })))).toBe(404);
    const globex = await tenantPage.loader(routeArgs(panelRequest(users.admin, "/t/globex"), { tenantSlug: "globex" }));
    expect(globex.denials.capped.map(({ lastDeniedAt, ...c }) => c)).toEqual([
      { userId: "gus", quotaId: q.globex, scope: "tenant", resource: "llm", period: "month", count: 1, usd: "3.0000000000" },
    ]);
  });
});

describe("a denial by the platform's default for each end user (ADR 0016)", () => {
  it("is listed under who hit a cap for the user's tenant, read as that tenant (its quota row is not readable, the view is)", async () => {
    id.hooli = await createTenant(t.pool, "hooli", "Hooli");
    q.eachUser = await createQuota(t.pool, { scope: "each_user", limit: "1" });
    const tg = createTollgate({ pool: t.pool, groupCommit: false, leases: false });
    const d = await tg.reserve({ tenantId: id.hooli, userId: "hal", resource: "llm", idempotencyKey: "h1", estimatedCostUsd: "2" });
    expect(d.allowed ? "allowed" : [d.denial.scope, d.denial.scopeId, d.denial.quotaId]).toEqual(["each_user", "hal", q.eachUser]);
    const hooli = await getTenantDenials(id.hooli, defaultSpendRange(new Date()));
    expect(hooli.capped.map(({ lastDeniedAt, ...c }) => c)).toEqual([
      { userId: "hal", quotaId: q.eachUser, scope: "each_user", resource: "llm", period: "month", count: 1, usd: "2.0000000000" },
    ]);
    // Another tenant's page never lists it.
    expect((await getTenantDenials(id.globex, defaultSpendRange(new Date()))).capped.map((c) => c.userId)).toEqual(["gus"]);
  });
});
