// "Users at or near their default cap" (ADR 0016) against the real database: exact figures of the
// users at ≥ 80% of a per-user default this period (open holds counted), fullest first; an
// override, a disabled default and other periods left out; the `near` flag kept by the triggers
// (insert, a hold that is released, a limit edit) — the list reads only flagged rows, so each
// test here fails if the flag layer is removed or goes stale; HOT updates kept; and tenant
// isolation (a tenant's list never shows another tenant's users).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTollgate } from "~/core/index.ts";
import { periodStart } from "~/core/periods.ts";
import { createQuota, createQuotaFreeTenant } from "~/core/test/fixtures.ts";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as staffExplorer from "~/routes/records+/_index.tsx";
import * as staffQuotas from "~/routes/quotas+/_index.tsx";
import * as staffQuota from "~/routes/quotas+/$quotaId.tsx";
import * as tenantPage from "~/routes/t+/$tenantSlug+/_index.tsx";
import * as tenantExplorer from "~/routes/t+/$tenantSlug+/records+/_index.tsx";
import * as tenantQuotas from "~/routes/t+/$tenantSlug+/quotas.tsx";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Actor } from "./audit.server.ts";
import { updateQuota } from "./quotas.server.ts";
import { defaultCapFigures, usersNearDefaultCap, type NearCapUser } from "./near-cap.page.server.ts";
import { NEAR_LIMIT_PERCENT } from "./spend.page.server.ts";

let t: TestDatabase;
let users: Record<"admin" | "acmeAdmin" | "globexAdmin", SignedInUser>;
const id: Record<string, string> = {};
const q: Record<string, string> = {};
const now = new Date();
const day = periodStart("day", now);
const month = periodStart("month", now);
const iso = (d: Date) => d.toISOString().slice(0, 10);
const actor: Actor = { id: null, label: "test" };

async function usage(quotaId: string, tenantId: string, user: string, spent: string, held = "0", at = day) {
  await t.pool.query(
    `INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id, spent_usd, reserved_usd) VALUES ($1, $2, $3, $4, $5, $6)`,
    [quotaId, at, user, tenantId, spent, held],
  );
}

async function flags(quotaId: string, at = day): Promise<Record<string, boolean>> {
  const { rows } = await t.pool.query(`SELECT subject, near FROM quota_usage WHERE quota_id = $1 AND period_start = $2 ORDER BY subject`, [quotaId, at]);
  return Object.fromEntries(rows.map((r) => [r.subject, r.near]));
}

/** The fields that identify a listed user, and its figures. */
const brief = (u: NearCapUser) => [u.tenantSlug, u.userId, u.defaultOf, u.spentUsd, u.heldUsd, u.utilizationPercent, u.atCap];

beforeAll(async () => {
  t = await createAppTestDatabase();
  for (const slug of ["acme", "globex", "initech"]) id[slug] = await createQuotaFreeTenant(t.pool, slug);
  // acme: $10 a day of LLM for each end user.
  q.acme = await createQuota(t.pool, { scope: "each_user", tenantId: id.acme, resource: "llm", period: "day", limit: "10" });
  await usage(q.acme, id.acme, "ann", "9"); // 90%
  await usage(q.acme, id.acme, "bob", "7", "1.5"); // 85% with the hold
  await usage(q.acme, id.acme, "cat", "7.99"); // 79.9%: under
  await usage(q.acme, id.acme, "dan", "12"); // 120%: past the cap
  await usage(q.acme, id.acme, "fay", "8"); // exactly 80%
  await usage(q.acme, id.acme, "eve", "9.5"); // overridden by her own daily LLM quota
  await createQuota(t.pool, { scope: "user", tenantId: id.acme, userId: "eve", resource: "llm", period: "day", limit: "50" });
  await createQuota(t.pool, { scope: "user", tenantId: id.acme, userId: "fay", resource: "llm", period: "month", limit: "50" }); // another period: no override
  await usage(q.acme, id.acme, "old", "10", "0", new Date(day.getTime() - 86_400_000)); // yesterday
  // globex: a disabled default with a user far past it.
  q.globexOff = await createQuota(t.pool, { scope: "each_user", tenantId: id.globex, resource: "llm", period: "day", limit: "1" });
  await usage(q.globexOff, id.globex, "gil", "5");
  await t.pool.query(`UPDATE quotas SET enabled = false WHERE id = $1`, [q.globexOff]);
  // The platform's default for every end user of every tenant: $100 a month of everything.
  q.platform = await createQuota(t.pool, { scope: "each_user", resource: "all", period: "month", limit: "100" });
  await usage(q.platform, id.acme, "ann", "95", "0", month);
  await usage(q.platform, id.globex, "gus", "80", "5", month);
  await usage(q.platform, id.globex, "hal", "10", "0", month);
  users = await signInUsers(t.pool, {
    admin: { role: "admin" },
    acmeAdmin: { role: "tenant_admin", tenantId: id.acme },
    globexAdmin: { role: "tenant_admin", tenantId: id.globex },
  });
});

afterAll(async () => {
  await t?.drop();
});

describe("usersNearDefaultCap", () => {
  it("platform-wide: every default's users at ≥ 80% this period, fullest first, exact figures", async () => {
    const list = await usersNearDefaultCap({ kind: "platform" });
    expect(list.users.map(brief)).toEqual([
      ["acme", "dan", "tenant", "12.0000000000", "0.0000000000", 120, true],
      ["acme", "ann", "platform", "95.0000000000", "0.0000000000", 95, false],
      ["acme", "ann", "tenant", "9.0000000000", "0.0000000000", 90, false],
      ["globex", "gus", "platform", "80.0000000000", "5.0000000000", 85, false],
      ["acme", "bob", "tenant", "7.0000000000", "1.5000000000", 85, false],
      ["acme", "fay", "tenant", "8.0000000000", "0.0000000000", 80, false],
    ]);
    expect([list.nearCount, list.atCapCount]).toEqual([6, 1]);
    expect(list.users[0]).toEqual({
      tenantId: id.acme, tenantSlug: "acme", tenantName: "acme", userId: "dan", quotaId: q.acme, defaultOf: "tenant",
      resource: "llm", period: "day", periodStart: iso(day), limitUsd: "10.0000000000", spentUsd: "12.0000000000",
      heldUsd: "0.0000000000", usedUsd: "12.0000000000", utilizationPercent: 120, atCap: true, enforcement: "hard",
    });
  });

  it("a tenant's list holds only its own users (row-level security), under its defaults and the platform's, and the first `limit` with the counts of all", async () => {
    const acme = await usersNearDefaultCap({ kind: "tenant", tenantId: id.acme }, { limit: 2 });
    // The platform default's quota row is invisible to a tenant-scoped read; its users' rows and
    // the cap (platform_user_caps) are not (ADR 0016).
    expect(acme.users.map(brief)).toEqual([
      ["acme", "dan", "tenant", "12.0000000000", "0.0000000000", 120, true],
      ["acme", "ann", "platform", "95.0000000000", "0.0000000000", 95, false],
    ]);
    expect([acme.nearCount, acme.atCapCount]).toEqual([5, 1]);
    const globex = await usersNearDefaultCap({ kind: "tenant", tenantId: id.globex });
    expect(globex.users.map(brief)).toEqual([["globex", "gus", "platform", "80.0000000000", "5.0000000000", 85, false]]);
    expect([globex.nearCount, globex.atCapCount]).toEqual([1, 0]);
    expect(await usersNearDefaultCap({ kind: "tenant", tenantId: id.initech })).toEqual({ asOf: iso(day), users: [], nearCount: 0, atCapCount: 0 });
  });

  it("per default: counts and the fullest users, for the quota views", async () => {
    const figures = await defaultCapFigures({ kind: "platform" }, { perDefault: 2 });
    expect(Object.keys(figures).sort()).toEqual([q.acme, q.platform].sort());
    expect(figures[q.acme].top.map((u) => u.userId)).toEqual(["dan", "ann"]);
    expect([figures[q.acme].nearCount, figures[q.acme].atCapCount]).toEqual([4, 1]);
    expect(figures[q.platform].top.map((u) => [u.tenantSlug, u.userId, u.usedUsd])).toEqual([
      ["acme", "ann", "95.0000000000"],
      ["globex", "gus", "85.0000000000"],
    ]);
    const globex = await defaultCapFigures({ kind: "tenant", tenantId: id.globex });
    expect(Object.keys(globex)).toEqual([q.platform]);
    expect(globex[q.platform].top.map((u) => `${u.tenantSlug}/${u.userId}`)).toEqual(["globex/gus"]);
    const one = await defaultCapFigures({ kind: "platform" }, { quotaId: q.platform });
    expect(Object.keys(one)).toEqual([q.platform]);
    expect([one[q.platform].nearCount, one[q.platform].atCapCount, one[q.platform].top.length]).toEqual([2, 0, 2]);
  });
});

describe("the pages' loaders", () => {
  /** The loaders' data (Remix's data() wraps it with the status). */
  const body = (x: unknown) => ((x as { data?: unknown }).data ?? x) as any;
  const who = (l: { users: NearCapUser[] }) => l.users.map((u) => `${u.tenantSlug}/${u.userId}/${u.defaultOf}`);

  it("the tenant page and its explorer list the tenant's own users only; another tenant's page is a 404", async () => {
    const page = await tenantPage.loader(routeArgs(panelRequest(users.acmeAdmin, "/t/acme"), { tenantSlug: "acme" }));
    expect(who(page.nearCap)).toEqual(["acme/dan/tenant", "acme/ann/platform", "acme/ann/tenant", "acme/bob/tenant", "acme/fay/tenant"]);
    expect([page.nearCap.nearCount, page.nearCap.atCapCount, page.nearCap.asOf]).toEqual([5, 1, iso(day)]);
    const records = body(await tenantExplorer.loader(routeArgs(panelRequest(users.acmeAdmin, "/t/acme/records"), { tenantSlug: "acme" })));
    expect(who(records.nearCap)).toEqual(who(page.nearCap));
    const globex = await tenantPage.loader(routeArgs(panelRequest(users.globexAdmin, "/t/globex"), { tenantSlug: "globex" }));
    expect(who(globex.nearCap)).toEqual(["globex/gus/platform"]);
    expect(await statusOf(() => tenantPage.loader(routeArgs(panelRequest(users.globexAdmin, "/t/acme"), { tenantSlug: "acme" })))).toBe(404);
    expect(await statusOf(() => tenantExplorer.loader(routeArgs(panelRequest(users.globexAdmin, "/t/acme/records"), { tenantSlug: "acme" })))).toBe(404);
  });

  it("staff on a tenant's page and explorer see its users under the platform default too, as its admin does", async () => {
    const page = await tenantPage.loader(routeArgs(panelRequest(users.admin, "/t/acme"), { tenantSlug: "acme" }));
    expect(who(page.nearCap)).toEqual(["acme/dan/tenant", "acme/ann/platform", "acme/ann/tenant", "acme/bob/tenant", "acme/fay/tenant"]);
    const records = body(await tenantExplorer.loader(routeArgs(panelRequest(users.admin, "/t/globex/records"), { tenantSlug: "globex" })));
    expect(who(records.nearCap)).toEqual(["globex/gus/platform"]);
    expect([records.nearCap.nearCount, records.nearCap.atCapCount]).toEqual([1, 0]);
  });

  it("the staff explorer lists every tenant's users under both defaults; a tenant admin cannot open it", async () => {
    const records = body(await staffExplorer.loader(routeArgs(panelRequest(users.admin, "/records"))));
    expect(who(records.nearCap)).toEqual(["acme/dan/tenant", "acme/ann/platform", "acme/ann/tenant", "globex/gus/platform", "acme/bob/tenant", "acme/fay/tenant"]);
    expect(records.explorer.page.rows).toEqual([]);
    expect(await statusOf(() => staffExplorer.loader(routeArgs(panelRequest(users.acmeAdmin, "/records"))))).toBe(404);
  });

  it("the quota views show a default's users near / at the cap instead of a scope total", async () => {
    const staff = await staffQuotas.loader(routeArgs(panelRequest(users.admin, "/quotas?scope=each_user")));
    expect(staff.quotas.map((x: any) => [x.id, x.perUser ? [x.perUser.nearCount, x.perUser.atCapCount, x.perUser.top.map((u: NearCapUser) => u.userId)] : null])).toEqual([
      [q.platform, [2, 0, ["ann"]]],
      [q.acme, [4, 1, ["dan"]]],
      [q.globexOff, null],
    ]);
    const one = await staffQuota.loader(routeArgs(panelRequest(users.admin, `/quotas/${q.platform}`), { quotaId: q.platform }));
    expect(one.perUser?.top.map((u: NearCapUser) => `${u.tenantSlug}/${u.userId}`)).toEqual(["acme/ann", "globex/gus"]);
    const acme = await tenantQuotas.loader(routeArgs(panelRequest(users.acmeAdmin, "/t/acme/quotas"), { tenantSlug: "acme" }));
    expect(acme.defaultCaps.map((x) => [x.id, x.perUser?.nearCount, x.perUser?.top.map((u) => u.userId)])).toEqual([[q.acme, 4, ["dan", "ann", "bob", "fay"]]]);
    const globex = await tenantQuotas.loader(routeArgs(panelRequest(users.globexAdmin, "/t/globex/quotas"), { tenantSlug: "globex" }));
    expect(globex.defaultCaps.map((x) => [x.id, x.perUser])).toEqual([[q.globexOff, null]]);
  });
});

describe("the near flag", () => {
  it("is set by insert for per-user rows at ≥ 80% only; shared rows never carry it", async () => {
    // The triggers' line is 80 (migration 20261202163000): a lower NEAR_LIMIT_PERCENT would list
    // only the users the flag already caught. Change both together.
    expect(NEAR_LIMIT_PERCENT).toBe(80);
    expect(await flags(q.acme)).toEqual({ ann: true, bob: true, cat: false, dan: true, eve: true, fay: true });
    const tenant = await createQuota(t.pool, { scope: "tenant", tenantId: id.initech, limit: "1" });
    await t.pool.query(`INSERT INTO quota_usage (quota_id, period_start, spent_usd) VALUES ($1, $2, 5)`, [tenant, month]);
    expect(await flags(tenant, month)).toEqual({ "": false });
    const { rows } = await t.pool.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'quota_usage_near_idx'`);
    expect(rows.map((r) => r.indexdef)).toEqual([
      "CREATE INDEX quota_usage_near_idx ON public.quota_usage USING btree (quota_id, period_start, subject_tenant_id) WHERE near",
    ]);
  });

  it("follows a hold: reserved past 80% lists the user; released, the flag clears and the user is gone", async () => {
    const tenantId = await createQuotaFreeTenant(t.pool, "holds");
    const cap = await createQuota(t.pool, { scope: "each_user", tenantId, resource: "llm", period: "month", limit: "1" });
    const tg = createTollgate({ pool: t.pool, groupCommit: false, leases: false });
    const d = await tg.reserve({ tenantId, userId: "ivy", resource: "llm", idempotencyKey: "h1", estimatedCostUsd: "0.85" });
    expect(d.allowed).toBe(true);
    expect(await flags(cap, month)).toEqual({ ivy: true });
    expect((await usersNearDefaultCap({ kind: "tenant", tenantId })).users.map(brief)).toEqual([
      ["holds", "ivy", "tenant", "0.0000000000", "0.8500000000", 85, false],
    ]);
    if (!d.allowed) throw new Error("unreachable");
    await tg.release(d.reservationId);
    expect(await flags(cap, month)).toEqual({ ivy: false });
    expect(await usersNearDefaultCap({ kind: "tenant", tenantId })).toEqual({ asOf: iso(day), users: [], nearCount: 0, atCapCount: 0 });
    // Settling past the line sets it again.
    const recorded = await tg.record({ tenantId, userId: "ivy", resource: "llm", idempotencyKey: "r1", actualCostUsd: "0.9" });
    expect(recorded.allowed).toBe(true);
    expect(await flags(cap, month)).toEqual({ ivy: true });
  });

  it("a limit edit refreshes the flags of the default's current rows (and only those)", async () => {
    await updateQuota(actor, q.acme, { limitUsd: "20" });
    expect(await flags(q.acme)).toEqual({ ann: false, bob: false, cat: false, dan: false, eve: false, fay: false });
    const underTenantDefault = async () => (await usersNearDefaultCap({ kind: "tenant", tenantId: id.acme })).users.filter((u) => u.defaultOf === "tenant");
    expect(await underTenantDefault()).toEqual([]);
    // Yesterday's row is not refreshed: no read asks for a past period.
    expect(await flags(q.acme, new Date(day.getTime() - 86_400_000))).toEqual({ old: true });
    await updateQuota(actor, q.acme, { limitUsd: "9" });
    expect(await flags(q.acme)).toEqual({ ann: true, bob: true, cat: true, dan: true, eve: true, fay: true });
    expect((await underTenantDefault()).map((u) => [u.userId, u.utilizationPercent, u.atCap])).toEqual([
      ["dan", 133.33, true],
      ["ann", 100, true],
      ["bob", 94.44, false],
      ["fay", 88.89, false],
      ["cat", 88.78, false],
    ]);
    await updateQuota(actor, q.acme, { limitUsd: "10" });
    expect(await flags(q.acme)).toEqual({ ann: true, bob: true, cat: false, dan: true, eve: true, fay: true });
  });

  it("keeps updates HOT: figures that stay on one side of the line change no indexed column", async () => {
    const hot = async (sql: string, params: unknown[]) => {
      const c = await t.pool.connect();
      try {
        // The backend's pending counters (they may still hold earlier transactions' counts): a difference.
        const counters = async () =>
          (await c.query(`SELECT pg_stat_get_xact_tuples_updated('quota_usage'::regclass)::int AS upd, pg_stat_get_xact_tuples_hot_updated('quota_usage'::regclass)::int AS hot`)).rows[0];
        await c.query("BEGIN");
        const before = await counters();
        await c.query(sql, params);
        const after = await counters();
        return { upd: after.upd - before.upd, hot: after.hot - before.hot };
      } finally {
        await c.query("ROLLBACK");
        c.release();
      }
    };
    const row = `quota_id = $1 AND period_start = $2 AND subject = $3`;
    expect(await hot(`UPDATE quota_usage SET spent_usd = spent_usd + 0.01 WHERE ${row}`, [q.acme, day, "ann"])).toEqual({ upd: 1, hot: 1 }); // stays near
    expect(await hot(`UPDATE quota_usage SET spent_usd = spent_usd + 0.001 WHERE ${row}`, [q.acme, day, "cat"])).toEqual({ upd: 1, hot: 1 }); // stays under
    expect(await hot(`UPDATE quota_usage SET spent_usd = spent_usd + 1 WHERE ${row}`, [q.acme, day, "cat"])).toEqual({ upd: 1, hot: 0 }); // crosses: indexed
  });
});
