// Users, API keys and the audit log they write, read back through the audit page's filters.
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TollgateError } from "~/core/index.ts";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { authenticateApiKey, createApiKey, revokeApiKey } from "./api-keys.server.ts";
import { diffFields, listAuditLog, parseAuditFilters } from "./audit.page.server.ts";
import { signIn } from "./auth.server.ts";
import { changeRole, createUser, CreateUserForm, setUserDisabled } from "./users.server.ts";

let t: TestDatabase;
let acmeId: string;
let admin: { id: string; label: string };

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  acmeId = rows.find((r) => r.slug === "acme").id;
  const { rows: u } = await t.pool.query(
    `INSERT INTO users (email, name, role, password_hash) VALUES ('root@tollgate.test', 'Root', 'admin', $1) RETURNING id`,
    [await hash("root password 123")],
  );
  admin = { id: u[0].id, label: "user:root@tollgate.test" };
});

afterAll(async () => {
  await t?.drop();
});

describe("CreateUserForm", () => {
  it("requires a tenant exactly for tenant admins and a 12-character password", () => {
    const ok = CreateUserForm.safeParse({ name: "A", email: " A@B.Test ", role: "ops", tenantId: "", password: "x".repeat(12) });
    expect(ok.success && ok.data).toMatchObject({ email: "a@b.test", tenantId: undefined });
    const issues = (v: object) => (CreateUserForm.safeParse(v).error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ name: "A", email: "a@b.test", role: "tenant_admin", password: "x".repeat(12) })).toEqual(["tenantId: A tenant admin needs a tenant."]);
    expect(issues({ name: "A", email: "a@b.test", role: "ops", tenantId: acmeId, password: "x".repeat(12) })).toEqual([
      "tenantId: Only tenant admins belong to a tenant; leave this empty for staff.",
    ]);
    expect(issues({ name: "", email: "nope", role: "root", password: "short" })).toEqual([
      "name: Enter a name.",
      "email: Enter a valid email address.",
      "role: Choose a role.",
      "password: At least 12 characters.",
    ]);
  });
});

describe("users", () => {
  it("creates a user who can sign in, changes the role, and disabling ends their sessions", async () => {
    const created = await createUser(admin, { name: "Tess", email: "tess@acme.test", role: "tenant_admin", tenantId: acmeId, password: "tess password 1" });
    expect(await signIn({ email: "tess@acme.test", password: "tess password 1", ip: "10.1.0.1" })).toMatchObject({ ok: true, user: { tenantSlug: "acme" } });
    await expect(createUser(admin, { name: "Dup", email: "tess@acme.test", role: "ops", password: "x".repeat(12) })).rejects.toMatchObject({
      code: "conflict",
      message: "A user with that email already exists.",
    });

    await changeRole(admin, { userId: created.id, role: "ops" });
    await t.pool.query(`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ('h1', $1, now() + interval '1 day')`, [created.id]);
    const disabled = await setUserDisabled(admin, created.id, true);
    expect(disabled.sessionsEnded).toBe(1);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`, [created.id])).rows[0].n).toBe(0);
    expect(await signIn({ email: "tess@acme.test", password: "tess password 1", ip: "10.1.0.2" })).toEqual({ ok: false, reason: "disabled" });
    await setUserDisabled(admin, created.id, false);
    expect(await signIn({ email: "tess@acme.test", password: "tess password 1", ip: "10.1.0.3" })).toMatchObject({ ok: true });

    const { rows } = await listAuditLog({ entity: "user" }, { pool: t.pool });
    expect(rows.map((r) => r.action)).toEqual(["user.enable", "user.disable", "user.role_change", "user.create"]);
    const roleChange = rows[2];
    expect(diffFields(roleChange.before, roleChange.after).filter((c) => c.changed)).toEqual([
      { field: "role", before: "tenant_admin", after: "ops", changed: true },
      { field: "tenantId", before: acmeId, after: null, changed: true },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/argon2|password/i);
  });

  it("refuses to let an admin disable themselves or change their own role", async () => {
    await expect(setUserDisabled(admin, admin.id, true)).rejects.toBeInstanceOf(TollgateError);
    await expect(changeRole(admin, { userId: admin.id, role: "ops" })).rejects.toMatchObject({ code: "invalid_request" });
    const { rows } = await t.pool.query(`SELECT role, disabled_at FROM users WHERE id = $1`, [admin.id]);
    expect(rows[0]).toEqual({ role: "admin", disabled_at: null });
  });
});

describe("API keys", () => {
  it("creates a key that authenticates until it is revoked, auditing both without the key text", async () => {
    const { key, apiKey } = await createApiKey(admin, { name: "billing", tenantId: acmeId });
    expect(await authenticateApiKey(t.pool, key)).toMatchObject({ id: apiKey.id, tenantId: acmeId });
    expect(await revokeApiKey(admin, apiKey.id)).toEqual({ revoked: true });
    expect(await revokeApiKey(admin, apiKey.id)).toEqual({ revoked: false });
    expect(await authenticateApiKey(t.pool, key)).toBeNull();

    const { rows } = await listAuditLog({ entity: "api_key", tenant: "acme" }, { pool: t.pool });
    expect(rows.map((r) => [r.action, r.actorLabel, r.tenantSlug])).toEqual([
      ["api_key.revoke", admin.label, "acme"],
      ["api_key.create", admin.label, "acme"],
    ]);
    expect(rows[1].after).toMatchObject({ name: "billing", prefix: key.slice(0, 12), tenantId: acmeId, createdById: admin.id, revokedAt: null });
    expect(JSON.stringify(rows)).not.toContain(key);
  });
});

describe("listAuditLog filters and paging", () => {
  beforeAll(async () => {
    // 5 entries a day apart, alternating actors and tenants.
    for (let i = 0; i < 5; i++) {
      await t.pool.query(
        `INSERT INTO audit_log (actor_id, actor_label, action, entity_type, entity_id, tenant_id, before, after, at)
         VALUES (NULL, $1, 'quota.update', 'quota', $2, $3, '{"limitUsd": 1}', $4::jsonb, $5)`,
        [i % 2 ? "api-key:ci" : "user:fin@tollgate.test", `q${i}`, i % 2 ? acmeId : null, JSON.stringify({ limitUsd: i }), `2026-10-0${i + 1}T12:00:00Z`],
      );
    }
  });

  it("filters by actor (substring), action, entity, tenant and an inclusive UTC date range", async () => {
    const ids = async (f: Parameters<typeof listAuditLog>[0]) => (await listAuditLog({ action: "quota.update", ...f }, { pool: t.pool })).rows.map((r) => r.entityId);
    expect(await ids({})).toEqual(["q4", "q3", "q2", "q1", "q0"]);
    expect(await ids({ actor: "API-KEY" })).toEqual(["q3", "q1"]);
    expect(await ids({ tenant: "acme" })).toEqual(["q3", "q1"]);
    expect(await ids({ tenant: "globex" })).toEqual([]);
    expect(await ids({ from: "2026-10-02", to: "2026-10-04" })).toEqual(["q3", "q2", "q1"]);
    expect(await ids({ entity: "user" })).toEqual([]);
    expect(await ids({ actor: "100%_" })).toEqual([]);
  });

  it("pages newest first with a keyset cursor, without gaps or repeats", async () => {
    const first = await listAuditLog({ action: "quota.update" }, { pool: t.pool, limit: 2 });
    expect(first.rows.map((r) => r.entityId)).toEqual(["q4", "q3"]);
    const second = await listAuditLog({ action: "quota.update", cursor: first.nextCursor! }, { pool: t.pool, limit: 2 });
    expect(second.rows.map((r) => r.entityId)).toEqual(["q2", "q1"]);
    const third = await listAuditLog({ action: "quota.update", cursor: second.nextCursor! }, { pool: t.pool, limit: 2 });
    expect(third.rows.map((r) => r.entityId)).toEqual(["q0"]);
    expect(third.nextCursor).toBeNull();
  });

  it("parses the URL, reporting and dropping bad filters", () => {
    expect(parseAuditFilters(new URLSearchParams("actor=&tenant=acme&from=2026-10-01"))).toEqual({
      filters: { tenant: "acme", from: "2026-10-01" },
      issues: [],
    });
    const bad = parseAuditFilters(new URLSearchParams("from=2026-10-05&to=2026-10-01&cursor=x&entity=quota"));
    expect(bad.filters).toEqual({ entity: "quota" });
    expect(bad.issues.map((i) => i.field).sort()).toEqual(["cursor", "to"]);
  });
});
