// Who may open and post to the pricing and quota pages: every role against every loader and
// action, with a real session cookie (forbidden → 404), and the tenant admin's user-quota page:
// only user quotas of their own tenant can be written; anything else is refused and not written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as pricingHistory from "~/routes/pricing+/history.tsx";
import * as pricingImport from "~/routes/pricing+/import.tsx";
import * as pricingImportExample from "~/routes/pricing+/import-example[.]csv.ts";
import * as pricingIndex from "~/routes/pricing+/_index.tsx";
import * as pricingNew from "~/routes/pricing+/new.tsx";
import * as quotaEdit from "~/routes/quotas+/$quotaId.tsx";
import * as quotasIndex from "~/routes/quotas+/_index.tsx";
import * as quotaNew from "~/routes/quotas+/new.tsx";
import * as quotaTemplates from "~/routes/quotas+/templates.tsx";
import * as tenantQuotas from "~/routes/t+/$tenantSlug+/quotas.tsx";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "./auth.server.ts";

type Who = Role | "globex_admin";
const WHO: Who[] = ["admin", "finance", "ops", "tenant_admin", "globex_admin"];
let t: TestDatabase;
let users: Record<Who, SignedInUser>;
const tenants = {} as Record<"acme" | "globex", string>;
let acmeTenantQuota: string;
let globexUserQuota: string;
let templateId: string;

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  for (const r of rows) tenants[r.slug as "acme" | "globex"] = r.id;
  users = await signInUsers(t.pool, {
    admin: { role: "admin" },
    finance: { role: "finance" },
    ops: { role: "ops" },
    tenant_admin: { role: "tenant_admin", tenantId: tenants.acme },
    globex_admin: { role: "tenant_admin", tenantId: tenants.globex },
  });
  await t.pool.query(`INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from) VALUES ('openai', 'gpt-5', 1, 2, '2026-01-01Z')`);
  const q = await t.pool.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES
       ('tenant', $1::text, $1::uuid, 'llm', 'day', 10), ('user', 'u-1', $2, 'llm', 'day', 5) RETURNING id`,
    [tenants.acme, tenants.globex],
  );
  [acmeTenantQuota, globexUserQuota] = q.rows.map((r) => r.id);
  templateId = (await t.pool.query(`SELECT id FROM default_quotas ORDER BY id LIMIT 1`)).rows[0]?.id ?? "none";
});

afterAll(async () => {
  await t?.drop();
});

const request = (who: Who | null, path: string, form?: Record<string, string>) => panelRequest(who && users[who], path, form);


const STAFF_FINANCE: Who[] = ["admin", "finance"];
const STAFF: Who[] = ["admin", "finance", "ops"];

// Each page: its module, params, who may use it, and a harmless post (invalid → form errors, 200).
interface Page {
  module: unknown;
  allowed: Who[];
  params: Record<string, string>;
  post: Record<string, string> | null;
}
const PAGES = (): Record<string, Page> => ({
  "/pricing": { module: pricingIndex, allowed: STAFF_FINANCE, params: {}, post: null },
  "/pricing/new": { module: pricingNew, allowed: STAFF_FINANCE, params: {}, post: { kind: "llm", provider: "" } },
  "/pricing/history?provider=openai&model=gpt-5": { module: pricingHistory, allowed: STAFF_FINANCE, params: {}, post: { id: "x".repeat(3), note: "n".repeat(600) } },
  "/pricing/import": { module: pricingImport, allowed: STAFF_FINANCE, params: {}, post: { csv: "" } },
  "/pricing/import?kind=sandbox": { module: pricingImport, allowed: STAFF_FINANCE, params: {}, post: { kind: "sandbox", csv: "tier\nxl" } },
  "/pricing/import-example.csv?kind=sandbox": { module: pricingImportExample, allowed: STAFF_FINANCE, params: {}, post: null },
  "/quotas": { module: quotasIndex, allowed: STAFF, params: {}, post: { intent: "bulk-limit", limitUsd: "" } },
  "/quotas/new": { module: quotaNew, allowed: STAFF, params: {}, post: { scope: "tenant", limitUsd: "0" } },
  [`/quotas/${acmeTenantQuota}`]: { module: quotaEdit, allowed: STAFF, params: { quotaId: acmeTenantQuota }, post: { limitUsd: "-1" } },
  "/quotas/templates": { module: quotaTemplates, allowed: STAFF, params: {}, post: { id: templateId, limitUsd: "0" } },
  "/t/acme/quotas": { module: tenantQuotas, allowed: [...STAFF, "tenant_admin"] as Who[], params: { tenantSlug: "acme" }, post: { intent: "create", limitUsd: "0" } },
});

describe("role matrix", () => {
  it("covers every page for every role, loader and action", async () => {
    const results: string[] = [];
    const expected: string[] = [];
    for (const [path, page] of Object.entries(PAGES())) {
      for (const who of WHO) {
        const allowed = page.allowed.includes(who);
        const m = page.module as unknown as { loader: (a: any) => Promise<unknown>; action?: (a: any) => Promise<unknown> };
        results.push(`${path} loader ${who} ${await statusOf(() => m.loader(routeArgs(request(who, path), page.params)))}`);
        expected.push(`${path} loader ${who} ${allowed ? 200 : 404}`);
        if (m.action && page.post) {
          results.push(`${path} action ${who} ${await statusOf(() => m.action!(routeArgs(request(who, path, page.post!), page.params)))}`);
          expected.push(`${path} action ${who} ${allowed ? 200 : 404}`);
        }
      }
      const signedOut = await statusOf(() => (page.module as any).loader(routeArgs(request(null, path), page.params)));
      results.push(`${path} signed-out ${signedOut}`);
      expected.push(`${path} signed-out 302`);
    }
    expect(results).toEqual(expected);
  });
});

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
