// The users and API keys pages' actions, with a real session cookie (who may open which page:
// policy.test.ts walks every route for every role).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import * as apiKeysPage from "~/routes/api-keys+/_index.tsx";
import * as touchpointsPage from "~/routes/touchpoints+/_index.tsx";
import * as usersPage from "~/routes/users+/_index.tsx";
import { panelRequest, routeArgs, signInUsers, statusOf, type SignedInUser } from "~/test/panel-sessions.ts";
import type { Role } from "./auth.server.ts";

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



describe("actions", () => {
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
