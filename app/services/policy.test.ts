// The policy table walked against every route of the panel: each role, with a real session
// cookie, gets exactly the pages and actions policy.server.ts gives it — the rest answer 404
// (the tenant quota page's posts naming another scope or tenant 403, see pricing-quotas-access)
// — and a route that is not listed here fails the test, so a new page cannot skip the walk.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { panelRequest, routeArgs, signInPanelCast, statusOf, type PanelWho, type SignedInUser } from "~/test/panel-sessions.ts";
import { createChannel } from "./alerts/test/fixtures.ts";
import { AREAS, may, navItemsFor, ROLES, type Area, type Role } from "./policy.server.ts";

// SPEC §6, written out: the table may only change together with this.
const SPEC: Record<Area, readonly Role[]> = {
  overview: ["admin", "finance", "ops"],
  tenants: ["admin", "finance", "ops"],
  pricing: ["admin", "finance"],
  quotas: ["admin", "finance", "ops"],
  records: ["admin", "finance", "ops"],
  anomalies: ["admin", "ops"],
  costOptimization: ["admin", "finance", "ops"],
  alerts: ["admin", "finance", "ops"],
  touchpoints: ["admin", "ops"],
  sandboxErrors: ["admin", "ops"],
  spool: ["admin", "ops"],
  audit: ["admin", "finance"],
  users: ["admin"],
  apiKeys: ["admin"],
  tenant: ["admin", "finance", "ops", "tenant_admin"],
};

type Who = PanelWho;
const WHO: Who[] = [...ROLES, "globex_admin"];
let t: TestDatabase;
let users: Record<Who, SignedInUser>;
const ids = {} as Record<"acme" | "globex" | "quota" | "channel" | "rule" | "finding" | "event", string>;

beforeAll(async () => {
  t = await createAppTestDatabase();
  const cast = await signInPanelCast(t.pool);
  Object.assign(ids, cast.tenants);
  users = cast.users;
  ids.quota = (await t.pool.query(`INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('user', 'u-1', $1, 'llm', 'day', 5) RETURNING id`, [ids.acme])).rows[0].id;
  ids.channel = await createChannel(t.pool, { type: "webhook", tenantId: ids.acme, secret: { url: "https://93.184.215.14/hook", signingSecret: "signing-secret" }, kinds: ["anomaly"] });
  ids.rule = (await t.pool.query(`SELECT id FROM alert_rules WHERE channel_id = $1`, [ids.channel])).rows[0].id;
  await t.pool.query(`INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from) VALUES ('openai', 'gpt-5', 1, 2, '2026-01-01Z')`);
  // Delivered, so a re-send is refused with a form error (conflict) once past the guard.
  ids.event = (await t.pool.query(
    `INSERT INTO alert_events (dedupe_key, channel_id, tenant_id, kind, payload, status) VALUES ('k', $1, $2, 'anomaly', '{}', 'delivered') RETURNING id::text`,
    [ids.channel, ids.acme],
  )).rows[0].id;
  ids.finding = (await t.pool.query(
    `INSERT INTO anomaly_findings (tenant_id, resource, day, actual_usd, expected_usd, score, severity) VALUES ($1, 'llm', '2026-03-10', 30, 3, 12.5, 'high') RETURNING id`,
    [ids.acme],
  )).rows[0].id;
});
afterAll(async () => t?.drop());

/** A route: the area that guards it, its URL and params, and a post its action accepts (or refuses with form errors). */
interface Route {
  area: Area;
  url: string;
  params?: Record<string, string>;
  post?: Record<string, string>;
}
type RouteModule = { loader: (a: unknown) => Promise<unknown>; action?: (a: unknown) => Promise<unknown> };

// Every route file of app/routes: the panel's with their area; the rest say why they are not walked.
const NOT_WALKED: Record<string, string> = {
  "$.tsx": "signed-in catch-all: 404 for everyone (auth.test.ts)",
  "_index.tsx": "redirects to the user's home (auth.test.ts)",
  "_auth+/login.tsx": "public",
  "_auth+/logout.tsx": "public",
  "healthz.ts": "public probe",
  "readyz.ts": "public probe",
};
const isApi = (file: string) => file.startsWith("api+/");

const ROUTES = (): Record<string, Route> => {
  const channel = { intent: "toggle", id: ids.channel, enabled: "true" };
  const tenantAlerts = (file: string, url: string, extra: Partial<Route> = {}) => ({
    [`alerts+/${file}`]: { area: "alerts" as Area, url: `/alerts${url}`, ...extra },
    [`t+/$tenantSlug+/alerts+/${file}`]: { area: "tenant" as Area, url: `/t/acme/alerts${url}`, ...extra, params: { tenantSlug: "acme", ...extra.params } },
  });
  return {
    "admin+/_index.tsx": { area: "overview", url: "/admin" },
    "tenants+/_index.tsx": { area: "tenants", url: "/tenants" },
    "pricing+/_index.tsx": { area: "pricing", url: "/pricing" },
    "pricing+/new.tsx": { area: "pricing", url: "/pricing/new", post: { kind: "llm", provider: "" } },
    "pricing+/history.tsx": { area: "pricing", url: "/pricing/history?provider=openai&model=gpt-5", post: { id: "xxx", note: "n".repeat(600) } },
    "pricing+/import.tsx": { area: "pricing", url: "/pricing/import", post: { csv: "" } },
    "pricing+/import-example[.]csv.ts": { area: "pricing", url: "/pricing/import-example.csv" },
    "quotas+/_index.tsx": { area: "quotas", url: "/quotas", post: { intent: "bulk-limit", limitUsd: "" } },
    "quotas+/new.tsx": { area: "quotas", url: "/quotas/new", post: { scope: "tenant", limitUsd: "0" } },
    "quotas+/$quotaId.tsx": { area: "quotas", url: `/quotas/${ids.quota}`, params: { quotaId: ids.quota }, post: { limitUsd: "-1" } },
    "quotas+/templates.tsx": { area: "quotas", url: "/quotas/templates", post: { id: "none", limitUsd: "0" } },
    "records+/_index.tsx": { area: "records", url: "/records" },
    "records+/export[.]csv.ts": { area: "records", url: "/records/export.csv" },
    "anomalies+/_index.tsx": { area: "anomalies", url: "/anomalies", post: { intent: "dismiss", id: ids.finding, note: "n".repeat(2001) } },
    "cost-optimization+/_index.tsx": { area: "costOptimization", url: "/cost-optimization" },
    ...tenantAlerts("_index.tsx", "", { post: channel }),
    ...tenantAlerts("channels.new.tsx", "/channels/new", { post: { type: "webhook", name: "" } }),
    ...tenantAlerts("channels.$channelId.tsx", `/channels/${ids.channel}`, { params: { channelId: ids.channel }, post: { type: "webhook", name: "" } }),
    ...tenantAlerts("rules._index.tsx", "/rules"),
    ...tenantAlerts("rules.new.tsx", "/rules/new", { post: { channelId: ids.channel, kind: "anomaly", minSeverity: "nonsense" } }),
    ...tenantAlerts("rules.$ruleId.tsx", `/rules/${ids.rule}`, { params: { ruleId: ids.rule }, post: { kind: "anomaly", minSeverity: "nonsense" } }),
    ...tenantAlerts("deliveries.tsx", "/deliveries", { post: { intent: "resend", id: ids.event } }),
    "touchpoints+/_index.tsx": { area: "touchpoints", url: "/touchpoints" },
    "sandbox-errors+/_index.tsx": { area: "sandboxErrors", url: "/sandbox-errors" },
    "spool+/_index.tsx": { area: "spool", url: "/spool" },
    "audit+/_index.tsx": { area: "audit", url: "/audit" },
    "users+/_index.tsx": { area: "users", url: "/users", post: { intent: "create", name: "", email: "x", role: "ops", password: "short" } },
    "api-keys+/_index.tsx": { area: "apiKeys", url: "/api-keys", post: { intent: "create", name: "" } },
    "t+/$tenantSlug+/_index.tsx": { area: "tenant", url: "/t/acme", params: { tenantSlug: "acme" } },
    "t+/$tenantSlug+/records+/_index.tsx": { area: "tenant", url: "/t/acme/records", params: { tenantSlug: "acme" } },
    "t+/$tenantSlug+/records+/export[.]csv.ts": { area: "tenant", url: "/t/acme/records/export.csv", params: { tenantSlug: "acme" } },
    "t+/$tenantSlug+/quotas.tsx": { area: "tenant", url: "/t/acme/quotas", params: { tenantSlug: "acme" }, post: { intent: "create", limitUsd: "0" } },
  };
};

// Every route module, by its path under app/routes (loaded on first use).
const MODULES = Object.fromEntries(
  Object.entries(import.meta.glob(["../routes/**/*.ts", "../routes/**/*.tsx", "!../routes/**/*.test.*"])).map(([p, load]) => [
    p.slice("../routes/".length),
    load as () => Promise<RouteModule>,
  ]),
);
const routeFiles = () => Object.keys(MODULES);

/** May `who` use `route`? The area's roles; on a tenant's pages only that tenant's admin (or staff). */
const allowed = (who: Who, route: Route) => (who === "globex_admin" ? false : may(who, route.area));
const request = (who: Who | null, route: Route, form?: Record<string, string>) => panelRequest(who && users[who], route.url, form);
const guardPassed = (status: number) => ![302, 403, 404].includes(status);

describe("the policy table", () => {
  it("is SPEC §6", () => {
    expect(AREAS).toEqual(SPEC);
  });

  it("lists every route file: each panel route is walked below, the rest say why not", () => {
    const files = routeFiles();
    const unlisted = files.filter((f) => !(f in ROUTES()) && !(f in NOT_WALKED) && !isApi(f));
    expect(unlisted).toEqual([]);
    expect(Object.keys(ROUTES()).filter((f) => !files.includes(f))).toEqual([]);
  });

  it("every area has a route and every staff area a menu item for exactly its roles", () => {
    const areas = new Set(Object.values(ROUTES()).map((r) => r.area));
    expect([...areas].sort()).toEqual(Object.keys(AREAS).sort());
    for (const role of ROLES) {
      const menu = navItemsFor({ role, tenantSlug: role === "tenant_admin" ? "acme" : null }).map((i) => i.to);
      const pages = Object.values(ROUTES())
        .filter((r) => may(role, r.area) && (r.area !== "tenant" || role === "tenant_admin"))
        .map((r) => r.url.split("?")[0]);
      for (const to of menu) expect(pages, `${role}: menu item ${to}`).toContain(to);
    }
  });
});

describe("every route, every role", () => {
  it("loaders: allowed → 200, others → 404, signed out → 302", async () => {
    const results: string[] = [];
    const expected: string[] = [];
    for (const [file, route] of Object.entries(ROUTES())) {
      const m = await MODULES[file]();
      for (const who of WHO) {
        results.push(`${file} ${who} ${await statusOf(() => m.loader(routeArgs(request(who, route), route.params)))}`);
        expected.push(`${file} ${who} ${allowed(who, route) ? 200 : 404}`);
      }
      results.push(`${file} signed-out ${await statusOf(() => m.loader(routeArgs(request(null, route), route.params)))}`);
      expected.push(`${file} signed-out 302`);
    }
    expect(results).toEqual(expected);
  });

  it("actions: allowed → past the guard (a form answer), others → 404; the refused posts write nothing", async () => {
    const snapshot = async () =>
      (await t.pool.query(`SELECT (SELECT count(*)::int FROM audit_log) AS audit, (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM api_keys) AS keys,
              (SELECT count(*)::int FROM quotas) AS quotas, (SELECT count(*)::int FROM alert_channels) AS channels`)).rows[0];
    const results: string[] = [];
    const expected: string[] = [];
    for (const [file, route] of Object.entries(ROUTES())) {
      if (!route.post) continue;
      const m = await MODULES[file]();
      expect(m.action, `${file} has an action`).toBeTypeOf("function");
      for (const who of WHO) {
        const before = await snapshot();
        const status = await statusOf(() => m.action!(routeArgs(request(who, route, route.post), route.params)));
        results.push(`${file} ${who} ${allowed(who, route) ? (guardPassed(status) ? "passed" : status) : status}`);
        expected.push(`${file} ${who} ${allowed(who, route) ? "passed" : 404}`);
        if (!allowed(who, route)) expect(await snapshot(), `${file} ${who} wrote nothing`).toEqual(before);
      }
    }
    expect(results).toEqual(expected);
  });
});
