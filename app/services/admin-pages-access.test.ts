// Who may open the users, API keys, audit log, touchpoints, sandbox-errors and spool pages: every
// role against every loader and action, with a real session cookie. Forbidden answers 404.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as apiKeysPage from "~/routes/api-keys+/_index.tsx";
import * as auditPage from "~/routes/audit+/_index.tsx";
import * as sandboxErrorsPage from "~/routes/sandbox-errors+/_index.tsx";
import * as spoolPage from "~/routes/spool+/_index.tsx";
import * as touchpointsPage from "~/routes/touchpoints+/_index.tsx";
import * as usersPage from "~/routes/users+/_index.tsx";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "./auth.server.ts";

const ROLES: Role[] = ["admin", "finance", "ops", "tenant_admin"];
let t: TestDatabase;
let users: Record<Role, SignedInUser>;

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') RETURNING id`);
  users = await signInUsers(t.pool, {
    admin: { role: "admin" },
    finance: { role: "finance" },
    ops: { role: "ops" },
    tenant_admin: { role: "tenant_admin", tenantId: rows[0].id },
  });
});

afterAll(async () => {
  await t?.drop();
});

const request = (role: Role | null, path: string, form?: Record<string, string>) => panelRequest(role && users[role], path, form);



const PAGES = {
  "/users": { module: usersPage, allowed: ["admin"] },
  "/api-keys": { module: apiKeysPage, allowed: ["admin"] },
  "/audit": { module: auditPage, allowed: ["admin", "finance"] },
  "/touchpoints": { module: touchpointsPage, allowed: ["admin", "ops"] },
  "/sandbox-errors": { module: sandboxErrorsPage, allowed: ["admin", "ops"] },
  "/spool": { module: spoolPage, allowed: ["admin", "ops"] },
} as const;

describe("loaders", () => {
  for (const [path, page] of Object.entries(PAGES)) {
    for (const role of ROLES) {
      const allowed = (page.allowed as readonly Role[]).includes(role);
      it(`${path}: ${role} → ${allowed ? 200 : 404}`, async () => {
        expect(await statusOf(() => page.module.loader(routeArgs(request(role, path))))).toBe(allowed ? 200 : 404);
      });
    }
    it(`${path}: signed out → redirect to sign-in`, async () => {
      const status = await statusOf(() => page.module.loader(routeArgs(request(null, path))));
      expect(status).toBe(302);
    });
  }
});

describe("actions", () => {
  const ACTIONS = [
    ["/users", usersPage.action, { intent: "create", name: "N", email: "n@tollgate.test", role: "ops", password: "twelve chars!" }],
    ["/api-keys", apiKeysPage.action, { intent: "create", name: "k" }],
  ] as const;
  for (const [path, action, form] of ACTIONS) {
    for (const role of ["finance", "ops", "tenant_admin"] as const) {
      it(`${path}: ${role} → 404 and nothing changes`, async () => {
        expect(await statusOf(() => action(routeArgs(request(role, path, form))))).toBe(404);
      });
    }
  }

  it("nothing was created by the refused actions", async () => {
    const { rows } = await t.pool.query(
      `SELECT (SELECT count(*)::int FROM users WHERE email = 'n@tollgate.test') AS users, (SELECT count(*)::int FROM api_keys) AS keys`,
    );
    expect(rows[0]).toEqual({ users: 0, keys: 0 });
  });

  it("/users: an admin gets field errors for bad input, creates a valid user, and cannot disable themselves", async () => {
    const bad = (await usersPage.action(routeArgs(request("admin", "/users", { intent: "create", name: "", email: "x", role: "tenant_admin", password: "short" })))) as {
      data: { fieldErrors: Record<string, string> };
      init: { status: number };
    };
    expect(bad.init.status).toBe(400);
    expect(bad.data.fieldErrors).toEqual({
      name: "Enter a name.",
      email: "Enter a valid email address.",
      password: "At least 12 characters.",
      tenantId: "A tenant admin needs a tenant.",
    });
    const ok = await usersPage.action(routeArgs(request("admin", "/users", { intent: "create", name: "N", email: "n@tollgate.test", role: "ops", password: "twelve chars!" })));
    expect(ok).toEqual({ intent: "create", ok: true, message: "Created n@tollgate.test. They can sign in now." });
    const self = (await usersPage.action(routeArgs(request("admin", "/users", { intent: "disable", userId: users.admin.id })))) as {
      data: { message: string };
      init: { status: number };
    };
    expect(self.init.status).toBe(400);
    expect(self.data.message).toBe("You cannot disable your own account.");
  });

  it("/users: disabling another user signs them out at once", async () => {
    const result = await usersPage.action(routeArgs(request("admin", "/users", { intent: "disable", userId: users.ops.id })));
    expect(result).toMatchObject({ ok: true, message: "Disabled ops@tollgate.test; 1 session(s) ended." });
    expect(await statusOf(() => touchpointsPage.loader(routeArgs(request("ops", "/touchpoints"))))).toBe(302);
  });

  it("/api-keys: an admin creates a key whose text is in the response once, and revokes it", async () => {
    const created = (await apiKeysPage.action(routeArgs(request("admin", "/api-keys", { intent: "create", name: "ci" })))) as {
      data: { ok: true; key: string; prefix: string };
      init: { headers: Record<string, string> };
    };
    expect(created.data.key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    expect(created.init.headers["Cache-Control"]).toBe("no-store");
    const { rows } = await t.pool.query(`SELECT id, hash FROM api_keys WHERE prefix = $1`, [created.data.prefix]);
    expect(rows[0].hash).not.toContain(created.data.key);
    const revoked = await apiKeysPage.action(routeArgs(request("admin", "/api-keys", { intent: "revoke", keyId: rows[0].id })));
    expect(revoked).toMatchObject({ intent: "revoke", ok: true });
  });
});
