// The tenant admin's user-quota page (who may open which page: policy.test.ts): only user quotas
// of their own tenant can be written; anything else is refused (403/404) and not written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as pricingImportExample from "~/routes/pricing+/import-example[.]csv.ts";
import * as quotasIndex from "~/routes/quotas+/_index.tsx";
import * as tenantQuotas from "~/routes/t+/$tenantSlug+/quotas.tsx";
import { panelRequest, routeArgs, signInPanelCast, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "./auth.server.ts";

type Who = Role | "globex_admin";
let t: TestDatabase;
let users: Record<Who, SignedInUser>;
const tenants = {} as Record<"acme" | "globex", string>;
let acmeTenantQuota: string;
let globexUserQuota: string;

beforeAll(async () => {
  t = await createAppTestDatabase();
  const cast = await signInPanelCast(t.pool);
  Object.assign(tenants, cast.tenants);
  users = cast.users;
  await t.pool.query(`INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from) VALUES ('openai', 'gpt-5', 1, 2, '2026-01-01Z')`);
  const q = await t.pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES
       ('tenant', $1::text, $1::uuid, 'llm', 'day', 10), ('user', 'u-1', $2, 'llm', 'day', 5) RETURNING id`,
    [tenants.acme, tenants.globex],
  );
  [acmeTenantQuota, globexUserQuota] = q.rows.map((r) => r.id);
});

afterAll(async () => {
  await t?.drop();
});

const request = (who: Who | null, path: string, form?: Record<string, string>) => panelRequest(who && users[who], path, form);


describe("tenant admin user quotas (action)", () => {
  const quotaCount = async () => Number((await t.pool.query(`SELECT count(*) FROM quotas`)).rows[0].count);
  const post = (who: Who, slug: string, form: Record<string, string>) =>
    statusOf(() => tenantQuotas.action(routeArgs(request(who, `/t/${slug}/quotas`, form), { tenantSlug: slug })));
  const base = { resource: "llm", period: "day", limitUsd: "3", warningThresholds: "80", enforcement: "hard", enabled: "on" };

  it("creates a user quota in its own tenant, whatever tenant the form names", async () => {
    const before = await quotaCount();
    expect(await post("tenant_admin", "acme", { ...base, intent: "create", scopeId: "end-user-7" })).toBe(302);
    const { rows } = await t.pool.query(`SELECT scope, scope_id, tenant_id, limit_usd::text FROM quotas WHERE scope_id = 'end-user-7'`);
    expect(rows).toEqual([{ scope: "user", scope_id: "end-user-7", tenant_id: tenants.acme, limit_usd: "3.0000000000" }]);
    expect(await quotaCount()).toBe(before + 1);
    const audit = await t.pool.query(`SELECT actor_label, action FROM audit_log WHERE action = 'quota.create'`);
    expect(audit.rows).toEqual([{ actor_label: "user:tenant_admin@tollgate.test", action: "quota.create" }]);
  });

  it("refuses tenant scope, another tenant, and edits of tenant or other tenants' quotas; writes nothing", async () => {
    const before = await t.pool.query(`SELECT id, limit_usd::text, updated_at FROM quotas ORDER BY id`);
    expect(await post("tenant_admin", "acme", { ...base, intent: "create", scope: "tenant" })).toBe(403);
    expect(await post("tenant_admin", "acme", { ...base, intent: "create", scopeId: "x", tenantId: tenants.globex })).toBe(403);
    expect(await post("tenant_admin", "acme", { ...base, intent: "update", id: acmeTenantQuota, limitUsd: "999" })).toBe(404);
    expect(await post("tenant_admin", "acme", { ...base, intent: "update", id: globexUserQuota, limitUsd: "999" })).toBe(404);
    expect(await post("tenant_admin", "globex", { ...base, intent: "create", scopeId: "x" })).toBe(404);
    expect(await post("globex_admin", "acme", { ...base, intent: "update", id: globexUserQuota, limitUsd: "999" })).toBe(404);
    const after = await t.pool.query(`SELECT id, limit_usd::text, updated_at FROM quotas ORDER BY id`);
    expect(after.rows).toEqual(before.rows);
  });

  it("edits a user quota of its own tenant", async () => {
    const { rows } = await t.pool.query(`SELECT id FROM quotas WHERE scope_id = 'end-user-7'`);
    expect(await post("tenant_admin", "acme", { ...base, intent: "update", id: rows[0].id, limitUsd: "4.5" })).toBe(302);
    const after = await t.pool.query(`SELECT limit_usd::text AS l FROM quotas WHERE id = $1`, [rows[0].id]);
    expect(after.rows[0].l).toBe("4.5000000000");
  });
});

describe("tenant admin default cap for each end user (action; ADR 0016)", () => {
  const post = (who: Who, slug: string, form: Record<string, string>) =>
    statusOf(() => tenantQuotas.action(routeArgs(request(who, `/t/${slug}/quotas`, form), { tenantSlug: slug })));
  const base = { resource: "all", period: "day", limitUsd: "2", warningThresholds: "80", enforcement: "hard", enabled: "on" };
  const defaults = async () =>
    (await t.pool.query(`SELECT tenant_id, resource::text, limit_usd::text AS limit FROM quotas WHERE scope = 'each_user' ORDER BY tenant_id NULLS FIRST`)).rows;

  it("creates and edits its own tenant's default; never another tenant's, the platform's, or one with a user id", async () => {
    expect(await post("tenant_admin", "acme", { ...base, intent: "create", scope: "each_user" })).toBe(302);
    expect(await defaults()).toEqual([{ tenant_id: tenants.acme, resource: "all", limit: "2.0000000000" }]);
    const { rows } = await t.pool.query(`SELECT id FROM quotas WHERE scope = 'each_user' AND tenant_id = $1`, [tenants.acme]);
    expect(await post("tenant_admin", "acme", { ...base, intent: "update", id: rows[0].id, limitUsd: "2.5" })).toBe(302);
    expect(await defaults()).toEqual([{ tenant_id: tenants.acme, resource: "all", limit: "2.5000000000" }]);

    const globexDefault = (
      await t.pool.query(`INSERT INTO quotas (scope, tenant_id, resource, period, limit_usd) VALUES ('each_user', $1, 'llm', 'day', 1) RETURNING id`, [tenants.globex])
    ).rows[0].id;
    const platformDefault = (await t.pool.query(`INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('each_user', 'llm', 'week', 9) RETURNING id`)).rows[0].id;
    const before = await t.pool.query(`SELECT id, limit_usd::text, updated_at FROM quotas ORDER BY id`);
    // Another tenant's default: named in the form (403) or through that tenant's page (404).
    expect(await post("tenant_admin", "acme", { ...base, intent: "create", scope: "each_user", tenantId: tenants.globex })).toBe(403);
    expect(await post("tenant_admin", "globex", { ...base, intent: "create", scope: "each_user" })).toBe(404);
    expect(await post("tenant_admin", "acme", { ...base, intent: "update", id: globexDefault, limitUsd: "999" })).toBe(404);
    expect(await post("globex_admin", "acme", { ...base, intent: "update", id: rows[0].id, limitUsd: "999" })).toBe(404);
    // The platform-wide default is staff's.
    expect(await post("tenant_admin", "acme", { ...base, intent: "update", id: platformDefault, limitUsd: "999" })).toBe(404);
    expect(await t.pool.query(`SELECT id, limit_usd::text, updated_at FROM quotas ORDER BY id`).then((r) => r.rows)).toEqual(before.rows);
    // A default names no user: the field error, nothing written.
    const withUser = await tenantQuotas.action(routeArgs(request("tenant_admin", "/t/acme/quotas", { ...base, intent: "create", scope: "each_user", period: "week", scopeId: "u-1" }), { tenantSlug: "acme" }));
    expect(withUser).toEqual({ errors: { scopeId: "a per-user default has no scope id (it applies to every end user)" } });
    await t.pool.query(`DELETE FROM quotas WHERE id = ANY($1::uuid[])`, [[globexDefault, platformDefault]]);
  });
});

describe("the quotas page reports each failure where it happened", () => {
  it("a refused toggle is the toggle's failure (400, on top of the page), not the bulk form's", async () => {
    // A row from before a validation rule: the fault is made with the rule's trigger off.
    await t.pool.query(`ALTER TABLE quotas DISABLE TRIGGER quotas_check_limits`);
    const { rows } = await t.pool.query(
      `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, warning_thresholds, enabled)
       VALUES ('user', 'legacy', $1, 'sandbox', 'week', 5, '{150}', false) RETURNING id`,
      [tenants.acme],
    );
    await t.pool.query(`ALTER TABLE quotas ENABLE TRIGGER quotas_check_limits`);
    const r = (await quotasIndex.action(routeArgs(request("ops", "/quotas", { intent: "toggle", id: rows[0].id, enabled: "true" })))) as unknown as {
      data: { intent: string; errors: Record<string, string>; failure: string };
      init: { status: number };
    };
    expect(r.init.status).toBe(400);
    expect(r.data).toEqual({ intent: "toggle", failure: "The change breaks a validation rule.", errors: { quotas_thresholds_range: "check failed" } });
    expect((await t.pool.query(`SELECT enabled FROM quotas WHERE id = $1`, [rows[0].id])).rows[0].enabled).toBe(false);
  });

  it("a refused bulk change stays at the bulk form", async () => {
    const r = (await quotasIndex.action(routeArgs(request("ops", "/quotas", { intent: "bulk-limit", limitUsd: "5" })))) as { intent: string; errors: Record<string, string> };
    expect(r).toEqual({ intent: "bulk-limit", errors: { ids: "select at least one quota" } });
  });
});

describe("price import example files", () => {
  it("are CSV downloads with each import's header", async () => {
    const sandbox = await pricingImportExample.loader(routeArgs(request("finance", "/pricing/import-example.csv?kind=sandbox")));
    expect(sandbox.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(sandbox.headers.get("Content-Disposition")).toBe('attachment; filename="sandbox-rates-example.csv"');
    expect((await sandbox.text()).split("\n")[0]).toBe("tier,usd_per_second,effective_from,note");
    const llm = await pricingImportExample.loader(routeArgs(request("finance", "/pricing/import-example.csv")));
    expect(llm.headers.get("Content-Disposition")).toBe('attachment; filename="llm-prices-example.csv"');
    expect((await llm.text()).split("\n")[0]).toBe("provider,model,input_usd_per_1m,output_usd_per_1m,cached_input_usd_per_1m,effective_from,note");
  });
});
