// Which loaders read from the replica (DATABASE_READ_URL) and which from the primary (ADR 0013),
// against a real streaming replica of the embedded server:
// - every route file and every service module that takes connections is listed below as
//   "replica" or "primary" — a new one fails until it is listed — and each loader is run to
//   check that its listing is true (connections taken from readPool() vs the app pool);
// - with replay paused on the replica, each replica loader shows the figures of before a write
//   on the primary, while the primary shows the write (proof that they read the replica), and
//   the new figures once the replica has caught up;
// - writes (the core's decisions, panel forms, sign-in) take nothing from the read pool.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, dbPool, disconnectDb, readPool, type Db } from "~/db/client.server.ts";
import { streamingReplica, type StreamingReplica } from "~/db/test/streaming-replica.ts";
import { apiKey } from "~/test/api-fixtures.ts";
import { startAppInstance } from "~/test/app-instance.ts";
import { panelRequest, routeArgs, signInPanelCast, type SignedInUser } from "~/test/panel-sessions.ts";
import { SESSION_COOKIE } from "./session.server.ts";
import { tollgate } from "./tollgate.server.ts";

type Source = "replica" | "primary";
type RouteModule = { loader?: (a: unknown) => Promise<unknown>; action?: (a: unknown) => Promise<unknown> };

// What each route's loader reads from. "replica": may be stale by the replica's replay lag
// (reports, explorer, exports). "primary": everything else — pages whose own form saves what they
// show (read-your-writes), sign-in and sessions, the API (integrators read their own writes;
// quota-status feeds decisions), probes. The tenant page's quota cards come from the core's own
// pool on the primary by design (what the next reserve is decided against).
const SOURCES: Record<string, Source> = {
  "admin+/_index.tsx": "replica",
  "tenants+/_index.tsx": "replica",
  "t+/$tenantSlug+/_index.tsx": "replica",
  "records+/_index.tsx": "replica",
  "records+/export[.]csv.ts": "replica",
  "t+/$tenantSlug+/records+/_index.tsx": "replica",
  "t+/$tenantSlug+/records+/export[.]csv.ts": "replica",
  "cost-optimization+/_index.tsx": "replica",
  "sandbox-errors+/_index.tsx": "replica",
  // Anomalies: its own form reviews a finding and the redirect must show the new status.
  "anomalies+/_index.tsx": "primary",
  // The audit log is read right after a change to check it; small and indexed.
  "audit+/_index.tsx": "primary",
  "spool+/_index.tsx": "primary",
  "$.tsx": "primary",
  "_index.tsx": "primary",
  "_auth+/login.tsx": "primary",
  "_auth+/logout.tsx": "primary",
  "healthz.ts": "primary",
  "readyz.ts": "primary",
  "alerts+/_index.tsx": "primary",
  "alerts+/channels.$channelId.tsx": "primary",
  "alerts+/channels.new.tsx": "primary",
  "alerts+/deliveries.tsx": "primary",
  "alerts+/rules.$ruleId.tsx": "primary",
  "alerts+/rules._index.tsx": "primary",
  "alerts+/rules.new.tsx": "primary",
  "t+/$tenantSlug+/alerts+/_index.tsx": "primary",
  "t+/$tenantSlug+/alerts+/channels.$channelId.tsx": "primary",
  "t+/$tenantSlug+/alerts+/channels.new.tsx": "primary",
  "t+/$tenantSlug+/alerts+/deliveries.tsx": "primary",
  "t+/$tenantSlug+/alerts+/rules.$ruleId.tsx": "primary",
  "t+/$tenantSlug+/alerts+/rules._index.tsx": "primary",
  "t+/$tenantSlug+/alerts+/rules.new.tsx": "primary",
  "t+/$tenantSlug+/quotas.tsx": "primary",
  "api-keys+/_index.tsx": "primary",
  "pricing+/_index.tsx": "primary",
  "pricing+/history.tsx": "primary",
  "pricing+/import-example[.]csv.ts": "primary",
  "pricing+/import.tsx": "primary",
  "pricing+/new.tsx": "primary",
  "quotas+/$quotaId.tsx": "primary",
  "quotas+/_index.tsx": "primary",
  "quotas+/new.tsx": "primary",
  "quotas+/templates.tsx": "primary",
  "touchpoints+/_index.tsx": "primary",
  "users+/_index.tsx": "primary",
  "api+/demo+/chat.ts": "primary",
  "api+/demo+/sandbox.ts": "primary",
  "api+/v1+/$.ts": "primary",
  "api+/v1+/analysis.run.ts": "primary",
  "api+/v1+/openapi[.]json.ts": "primary",
  "api+/v1+/prices.llm.ts": "primary",
  "api+/v1+/prices.sandbox.ts": "primary",
  "api+/v1+/quota-status.ts": "primary",
  "api+/v1+/quotas.$id.ts": "primary",
  "api+/v1+/quotas.ts": "primary",
  "api+/v1+/reservations.$id.release.ts": "primary",
  "api+/v1+/reservations.$id.settle.ts": "primary",
  "api+/v1+/reservations.ts": "primary",
  "api+/v1+/tenants.$tenantId.anomalies.ts": "primary",
  "api+/v1+/tenants.$tenantId.forecasts.ts": "primary",
  "api+/v1+/tenants.$tenantId.spend.ts": "primary",
  "api+/v1+/tenants.$tenantId.ts": "primary",
  "api+/v1+/tenants.ts": "primary",
  "api+/v1+/usage.ts": "primary",
};

// Every service module that takes connections itself (names readPool() or dbPool(), or runs a
// transaction helper, which defaults to the primary): which pool it reads from. A new one fails
// the test below until it is listed here.
const SERVICE_SOURCES: Record<string, Source | "both"> = {
  "./spend.page.server.ts": "replica",
  "./spend.tenant.page.server.ts": "replica",
  "./forecasts.page.server.ts": "replica",
  "./records.server.ts": "replica",
  "./records.page.server.ts": "replica",
  "./ttl-advice.page.server.ts": "replica",
  "./sandbox-errors.server.ts": "replica",
  "./denials.page.server.ts": "replica",
  // Reports (tenant page, explorers) on the replica; the quota pages, which show a limit their
  // own form just saved, on the primary (fresh: true).
  "./near-cap.page.server.ts": "both",
  // tenantOptions() for pages with forms (primary), tenantOptionsMayBeStale() for reports.
  "./tenants.server.ts": "both",
  "./alerts/channels.page.server.ts": "primary",
  "./alerts/deliveries.page.server.ts": "primary",
  "./alerts/rules.page.server.ts": "primary",
  "./alerts/send-test.page.server.ts": "primary",
  "./alerts/delivery.server.ts": "primary",
  "./alerts/env-channels.server.ts": "primary",
  "./alerts/migrate-webhook-urls.server.ts": "primary",
  "./alerts/worker.server.ts": "primary",
  // The job writes its results; readers pass the pool (the tenant page passes readPool()).
  "./analysis/job.server.ts": "primary",
  "./analysis/queries.server.ts": "primary",
  "./analysis/scoped-read.server.ts": "primary",
  "./analysis/ttl-advice-store.server.ts": "primary",
  "./anomalies.page.server.ts": "primary",
  "./api/admin.server.ts": "primary",
  "./api/identity.server.ts": "primary",
  "./api/spend.server.ts": "primary",
  "./audit.page.server.ts": "primary",
  "./audit.server.ts": "primary",
  "./login-throttle.server.ts": "primary",
  "./metrics.server.ts": "primary",
  "./price-import/llm.server.ts": "primary",
  "./price-import/sandbox.server.ts": "primary",
  "./pricing.server.ts": "primary",
  "./quotas.page.server.ts": "primary",
  "./quotas.server.ts": "primary",
  "./readiness.server.ts": "primary",
  "./spool.server.ts": "primary",
  "./touchpoints.server.ts": "primary",
};

const SERVICE_SOURCE_TEXT = import.meta.glob("./**/*.server.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

const MODULES = Object.fromEntries(
  Object.entries(import.meta.glob(["../routes/**/*.ts", "../routes/**/*.tsx", "!../routes/**/*.test.*"])).map(([p, load]) => [
    p.slice("../routes/".length),
    load as () => Promise<RouteModule>,
  ]),
);

let r: StreamingReplica;
let prisma: Db;
let primary: pg.Pool;
let tenants: Record<"acme" | "globex", string>;
let admin: SignedInUser;
let platformKey: string;
const env = { DATABASE_URL: process.env.DATABASE_URL, DATABASE_READ_URL: process.env.DATABASE_READ_URL, NODE_ENV: process.env.NODE_ENV };

beforeAll(async () => {
  r = await streamingReplica("read_path");
  process.env.DATABASE_URL = r.primaryUrl;
  process.env.DATABASE_READ_URL = r.replicaUrl;
  await disconnectDb();
  primary = dbPool();
  prisma = createPrisma(r.primaryUrl);
  const cast = await signInPanelCast(primary);
  tenants = cast.tenants;
  admin = cast.users.admin;
  platformKey = await apiKey(prisma, "read-path");
  await primary.query(`INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('tenant', $1, $2::uuid, 'llm', 'month', 100)`, [tenants.acme, tenants.acme]);
  await tollgate().record({ tenantId: tenants.acme, userId: "u-1", resource: "llm", idempotencyKey: "rp-1", actualCostUsd: "1.5", provider: "openai", model: "gpt-5" });
  await primary.query(`INSERT INTO sandbox_error_events (tenant_id, operation, stage, error_type) VALUES ($1, 'start', 'execution', 'timeout')`, [tenants.acme]);
  await r.caughtUp();
});

afterAll(async () => {
  await prisma?.$disconnect();
  await disconnectDb();
  for (const [k, v] of Object.entries(env)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  await r?.destroy();
});

/** How many connections the read pool and the app pool handed out while `run` ran. */
async function acquiresDuring(run: () => Promise<unknown>): Promise<{ read: number; app: number }> {
  const counts = { read: 0, app: 0 };
  const onRead = () => counts.read++;
  const onApp = () => counts.app++;
  readPool().on("acquire", onRead);
  dbPool().on("acquire", onApp);
  try {
    await run();
  } finally {
    readPool().off("acquire", onRead);
    dbPool().off("acquire", onApp);
  }
  return counts;
}

/** A loader's answer as data: thrown responses caught, a Response's body read (a CSV export streams from the pool as it is read). */
async function callLoader(file: string, url: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const m = await MODULES[file]();
  const request = panelRequest(admin, url);
  for (const [k, v] of Object.entries(headers)) request.headers.set(k, v);
  let result: unknown;
  try {
    result = await m.loader!(routeArgs(request, params));
  } catch (e) {
    result = e;
  }
  if (result instanceof Response) return { status: result.status, body: await result.text() };
  const d = result as { data?: unknown; init?: { status?: number } };
  if (d && typeof d === "object" && "init" in d && "data" in d) return { status: d.init?.status ?? 200, body: d.data };
  return { status: 200, body: result };
}

const slugParams = { tenantSlug: "acme" };
const CALLS = (): Record<string, { url: string; params?: Record<string, string>; api?: true }> => ({
  "t+/$tenantSlug+/_index.tsx": { url: "/t/acme", params: slugParams },
  "t+/$tenantSlug+/records+/_index.tsx": { url: "/t/acme/records", params: slugParams },
  "t+/$tenantSlug+/records+/export[.]csv.ts": { url: "/t/acme/records/export.csv", params: slugParams },
  "t+/$tenantSlug+/quotas.tsx": { url: "/t/acme/quotas", params: slugParams },
  "quotas+/$quotaId.tsx": { url: "/quotas/00000000-0000-0000-0000-000000000000", params: { quotaId: "00000000-0000-0000-0000-000000000000" } },
  "api+/v1+/tenants.$tenantId.spend.ts": { url: `/api/v1/tenants/${tenants.acme}/spend`, params: { tenantId: tenants.acme }, api: true },
  "api+/v1+/tenants.$tenantId.forecasts.ts": { url: `/api/v1/tenants/${tenants.acme}/forecasts`, params: { tenantId: tenants.acme }, api: true },
  "api+/v1+/tenants.$tenantId.anomalies.ts": { url: `/api/v1/tenants/${tenants.acme}/anomalies`, params: { tenantId: tenants.acme }, api: true },
  "api+/v1+/tenants.$tenantId.ts": { url: `/api/v1/tenants/${tenants.acme}`, params: { tenantId: tenants.acme }, api: true },
  "api+/v1+/quota-status.ts": { url: `/api/v1/quota-status?tenantId=${tenants.acme}`, api: true },
});
/** The URL of a route file: its path with the + folders and the params filled in (the table above for those that need more). */
function callFor(file: string) {
  const known = CALLS()[file];
  if (known) return known;
  const url =
    "/" +
    file
      .replace(/\.tsx?$/, "")
      .replace(/\[\.\]/g, ".")
      .split("/")
      .map((s) => s.replace(/\+$/, "").replace(/^_index$|^_auth$/, ""))
      .join("/")
      .replace(/\/_index$|\._index$/, "")
      .replace(/\$tenantSlug/, "acme")
      .replace(/\$(\w+)/g, "00000000-0000-0000-0000-000000000000")
      .replace(/\/+/g, "/");
  const params: Record<string, string> = file.includes("$tenantSlug") ? { tenantSlug: "acme" } : {};
  for (const m of file.matchAll(/\$(\w+)/g)) if (m[1] !== "tenantSlug") params[m[1]] = "00000000-0000-0000-0000-000000000000";
  return { url: url.replace(/\/$/, "") || "/", params, api: file.startsWith("api+/") || undefined };
}

describe("every route reads from the pool it is listed with", () => {
  it("lists every route file (a new one must choose: replica or primary)", () => {
    expect(Object.keys(MODULES).filter((f) => !(f in SOURCES))).toEqual([]);
    expect(Object.keys(SOURCES).filter((f) => !(f in MODULES))).toEqual([]);
  });

  it("lists every service that takes connections, with the pool its code names", () => {
    const actual: Record<string, Source | "both"> = {};
    for (const [file, text] of Object.entries(SERVICE_SOURCE_TEXT)) {
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      const replica = /\breadPool\(\)/.test(code);
      const primary = /\bdbPool\(\)/.test(code) || (!replica && /\b(withTransaction|withTenantScope|transactionOn)\(/.test(code));
      if (replica || primary) actual[file] = replica && primary ? "both" : replica ? "replica" : "primary";
    }
    expect(actual).toEqual(SERVICE_SOURCES);
  });

  it("replica loaders take their connections from the read pool only; primary loaders none from it", async () => {
    const seen: string[] = [];
    const expected: string[] = [];
    for (const [file, source] of Object.entries(SOURCES)) {
      const call = callFor(file);
      let status = 0;
      const n = await acquiresDuring(async () => {
        status = (await callLoader(file, call.url, call.params, call.api ? { Authorization: `Bearer ${platformKey}` } : {})).status;
      });
      if (source === "replica") {
        seen.push(`${file} ${status} read:${n.read > 0} app:${n.app}`);
        expected.push(`${file} 200 read:true app:0`);
      } else {
        seen.push(`${file} read:${n.read}`);
        expected.push(`${file} read:0`);
      }
    }
    expect(seen).toEqual(expected);
  });
});

describe("with replay paused, the replica loaders show the past and the primary the write", () => {
  it("overview, tenants, tenant page, explorers, exports, cost optimization and sandbox errors", async () => {
    const figures = async () => {
      const overview = (await callLoader("admin+/_index.tsx", "/admin")).body as { monthUsd: string };
      const list = (await callLoader("tenants+/_index.tsx", "/tenants")).body as { tenants: { slug: string; monthUsd: string }[] };
      const page = (await callLoader("t+/$tenantSlug+/_index.tsx", "/t/acme", slugParams)).body as { spend: { totalUsd: string; monthUsd: string }; recent: unknown[] };
      const explorer = (await callLoader("records+/_index.tsx", "/records")).body as { explorer: { page: { rows: { costUsd: string }[] } } };
      const tenantExplorer = (await callLoader("t+/$tenantSlug+/records+/_index.tsx", "/t/acme/records", slugParams)).body as { explorer: { page: { rows: unknown[] } } };
      const csv = (await callLoader("records+/export[.]csv.ts", "/records/export.csv")).body as string;
      const tenantCsv = (await callLoader("t+/$tenantSlug+/records+/export[.]csv.ts", "/t/acme/records/export.csv", slugParams)).body as string;
      const optimization = (await callLoader("cost-optimization+/_index.tsx", "/cost-optimization")).body as { tenants: { slug: string }[] };
      const errors = (await callLoader("sandbox-errors+/_index.tsx", "/sandbox-errors")).body as { report: { total: number }; tenants: { slug: string }[] };
      return {
        overviewMonth: overview.monthUsd,
        listed: list.tenants.map((t) => `${t.slug} ${t.monthUsd}`),
        tenantPage: `${page.spend.totalUsd} ${page.spend.monthUsd} ${page.recent.length}`,
        explorer: explorer.explorer.page.rows.map((x) => x.costUsd),
        tenantExplorer: tenantExplorer.explorer.page.rows.length,
        csvLines: csv.trim().split("\r\n").length,
        tenantCsvLines: tenantCsv.trim().split("\r\n").length,
        optimizationTenants: optimization.tenants.map((t) => t.slug),
        sandboxErrors: errors.report.total,
        sandboxErrorTenants: errors.tenants.map((t) => t.slug),
      };
    };
    const before = {
      overviewMonth: "1.5000000000",
      listed: ["acme 1.5000000000", "globex 0"],
      tenantPage: "1.5000000000 1.5000000000 1",
      explorer: ["1.5000000000"],
      tenantExplorer: 1,
      csvLines: 2,
      tenantCsvLines: 2,
      optimizationTenants: ["acme", "globex"],
      sandboxErrors: 1,
      sandboxErrorTenants: ["acme", "globex"],
    };
    expect(await figures()).toEqual(before);

    await r.pauseReplay();
    try {
      await tollgate().record({ tenantId: tenants.acme, userId: "u-2", resource: "llm", idempotencyKey: "rp-2", actualCostUsd: "2.25", provider: "openai", model: "gpt-5" });
      await primary.query(`INSERT INTO sandbox_error_events (tenant_id, operation, stage, error_type) VALUES ($1, 'start', 'cleanup', 'leak')`, [tenants.globex]);
      await primary.query(`INSERT INTO tenants (slug, name) VALUES ('initech', 'Initech')`);
      // The primary has the writes (what a loader on the primary would show)…
      const onPrimary = (
        await primary.query(
          `SELECT (SELECT sum(llm_usd + sandbox_usd)::text FROM spend_daily) AS month, (SELECT count(*)::int FROM cost_records) AS records,
                  (SELECT count(*)::int FROM sandbox_error_events) AS errors, (SELECT count(*)::int FROM tenants) AS tenants`,
        )
      ).rows[0];
      expect(onPrimary).toEqual({ month: "3.7500000000", records: 2, errors: 2, tenants: 3 });
      // …and every replica loader still shows the figures of before them.
      expect(await figures()).toEqual(before);
    } finally {
      await r.resumeReplay();
    }
    await r.caughtUp();
    expect(await figures()).toEqual({
      overviewMonth: "3.7500000000",
      listed: ["acme 3.7500000000", "globex 0", "initech 0"],
      tenantPage: "3.7500000000 3.7500000000 2",
      explorer: ["2.2500000000", "1.5000000000"],
      tenantExplorer: 2,
      csvLines: 3,
      tenantCsvLines: 3,
      optimizationTenants: ["acme", "globex", "initech"],
      sandboxErrors: 2,
      sandboxErrorTenants: ["acme", "globex", "initech"],
    });
  });
});

describe("writes never touch the replica", () => {
  it("reserve, settle and record, a quota form and sign-in succeed with replay paused and take nothing from the read pool", async () => {
    await r.pauseReplay();
    try {
      const n = await acquiresDuring(async () => {
        const held = await tollgate().reserve({ tenantId: tenants.globex, resource: "llm", idempotencyKey: "rp-3", estimatedCostUsd: "0.5" });
        expect(held.allowed).toBe(true);
        if (!held.allowed) return;
        expect((await tollgate().settle(held.reservationId, { actualCostUsd: "0.4" })).status).toBe("settled");
        expect((await tollgate().record({ tenantId: tenants.globex, resource: "sandbox", idempotencyKey: "rp-4", actualCostUsd: "0.1" })).allowed).toBe(true);
        const { rows } = await primary.query(`SELECT id FROM quotas WHERE tenant_id = $1 AND scope = 'tenant' AND resource = 'llm' AND period = 'month'`, [tenants.acme]);
        const quotas = await MODULES["quotas+/$quotaId.tsx"]();
        const saved = await quotas.action!(routeArgs(panelRequest(admin, `/quotas/${rows[0].id}`, { limitUsd: "123", warningThresholds: "80, 90", enforcement: "hard", enabled: "true" }), { quotaId: rows[0].id })).catch((e) => e);
        expect(saved instanceof Response ? saved.status : saved).toBe(302);
        expect((await primary.query(`SELECT limit_usd::text AS l FROM quotas WHERE id = $1`, [rows[0].id])).rows[0].l).toBe("123.0000000000");
        // Sign-in: the throttle's transaction, the password check, a new session (signInUsers' password).
        const login = await MODULES["_auth+/login.tsx"]();
        const signedIn = await login.action!(routeArgs(panelRequest(null, "/login", { email: "ops@tollgate.test", password: "irrelevant password" }))).catch((e) => e);
        expect(signedIn instanceof Response ? signedIn.status : signedIn).toBe(302);
      });
      expect(n.read).toBe(0);
      expect((await primary.query(`SELECT count(*)::int AS n FROM cost_records WHERE tenant_id = $1`, [tenants.globex])).rows[0].n).toBe(2);
    } finally {
      await r.resumeReplay();
    }
  });
});

describe("a server process started with DATABASE_READ_URL (the production build)", () => {
  it("renders the overview from the replica: with replay paused, this month's spend before the write", async () => {
    const app = await startAppInstance({ databaseUrl: r.primaryUrl, env: { DATABASE_READ_URL: r.replicaUrl } });
    const monthOnPage = async () => {
      const res = await fetch(`${app.url}/admin`, { headers: { Cookie: `${SESSION_COOKIE}=${admin.cookie}` } });
      expect(res.status).toBe(200);
      return /data-testid="platform-spend-month" data-usd="([^"]+)"/.exec(await res.text())?.[1];
    };
    const monthOnPrimary = async () => (await primary.query(`SELECT sum(llm_usd + sandbox_usd)::text AS m FROM spend_daily`)).rows[0].m;
    try {
      await r.caughtUp();
      const before = await monthOnPrimary();
      expect(await monthOnPage()).toBe(before);
      await r.pauseReplay();
      try {
        await tollgate().record({ tenantId: tenants.globex, resource: "llm", idempotencyKey: "rp-5", actualCostUsd: "1" });
        expect(await monthOnPrimary()).not.toBe(before);
        expect(await monthOnPage()).toBe(before);
      } finally {
        await r.resumeReplay();
      }
      await r.caughtUp();
      expect(await monthOnPage()).toBe(await monthOnPrimary());
    } finally {
      await app.stop();
    }
  });
});
