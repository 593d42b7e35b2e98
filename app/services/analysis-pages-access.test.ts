// The anomalies page's filters and review action, with a real session cookie (who may open
// which page: policy.test.ts): a review writes the status and its audit row in one go; a
// refused role gets 404 and nothing changes; bad input is a 400 that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as anomaliesPage from "~/routes/anomalies+/_index.tsx";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "./auth.server.ts";

let t: TestDatabase;
let users: Record<Role, SignedInUser>;
const finding: Record<string, string> = {};

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  const tenant = Object.fromEntries(rows.map((r) => [r.slug, r.id]));
  users = await signInUsers(t.pool, {
    admin: { role: "admin" },
    finance: { role: "finance" },
    ops: { role: "ops" },
    tenant_admin: { role: "tenant_admin", tenantId: tenant.acme },
  });
  for (const [key, slug, day, resource] of [
    ["acme", "acme", "2026-03-10", "llm"],
    ["globex", "globex", "2026-03-11", "sandbox"],
  ]) {
    const r = await t.pool.query(
      `INSERT INTO anomaly_findings (tenant_id, resource, day, actual_usd, expected_usd, score, severity)
       VALUES ($1, $2, $3, 30, 3, 12.5, 'high') RETURNING id`,
      [tenant[slug], resource, day],
    );
    finding[key] = r.rows[0].id;
  }
});

afterAll(async () => {
  await t?.drop();
});

const request = (role: Role | null, path: string, form?: Record<string, string>) => panelRequest(role && users[role], path, form);



describe("loaders", () => {
  it("/anomalies filters by status, tenant and resource; a bad filter value falls back to the default", async () => {
    const list = async (query: string) => (await anomaliesPage.loader(routeArgs(request("ops", `/anomalies${query}`)))).rows.map((r) => r.tenantSlug);
    expect(await list("")).toEqual(["globex", "acme"]);
    expect(await list("?tenant=acme")).toEqual(["acme"]);
    expect(await list("?resource=sandbox")).toEqual(["globex"]);
    expect(await list("?status=dismissed")).toEqual([]);
    expect(await list("?status=bogus&resource=gpu")).toEqual(["globex", "acme"]);
  });
});

describe("the review action", () => {
  const review = (role: Role, form: Record<string, string>) => anomaliesPage.action(routeArgs(request(role, "/anomalies", form)));

  for (const role of ["finance", "tenant_admin"] as const) {
    it(`${role} → 404 and nothing changes`, async () => {
      expect(await statusOf(() => review(role, { intent: "dismiss", id: finding.acme }))).toBe(404);
    });
  }

  it("bad input → 400 with the reason; an unknown finding → 404", async () => {
    const bad = (await review("ops", { intent: "delete", id: "nope" })) as unknown as { data: { ok: boolean; message: string }; init: { status: number } };
    expect(bad.init.status).toBe(400);
    expect(bad.data).toEqual({ ok: false, message: "choose acknowledge, dismiss or re-open; not a finding id" });
    expect(await statusOf(() => review("ops", { intent: "dismiss", id: "00000000-0000-4000-8000-000000000000" }))).toBe(404);
  });

  it("nothing was changed or audited by the refused requests", async () => {
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM anomaly_findings WHERE status <> 'open'`);
    expect(rows[0].n).toBe(0);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBe(0);
  });

  it("ops acknowledges a finding: status, reviewer and one audit row", async () => {
    expect(await review("ops", { intent: "acknowledge", id: finding.acme })).toEqual({
      ok: true,
      message: "Acknowledged: Acme, LLM, Mar 10, 2026, whole day.",
    });
    const { rows } = await t.pool.query(`SELECT status, reviewed_by FROM anomaly_findings WHERE id = $1`, [finding.acme]);
    expect(rows).toEqual([{ status: "acknowledged", reviewed_by: "user:ops@tollgate.test" }]);
    const audit = await t.pool.query(`SELECT actor_label, action, entity_type, entity_id, before, after FROM audit_log`);
    expect(audit.rows).toEqual([
      {
        actor_label: "user:ops@tollgate.test",
        action: "anomaly.acknowledge",
        entity_type: "anomaly_finding",
        entity_id: finding.acme,
        before: { status: "open", reviewedBy: null },
        after: { status: "acknowledged", reviewedBy: "user:ops@tollgate.test" },
      },
    ]);
  });
});
