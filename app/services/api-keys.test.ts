import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import {
  API_KEY_PATTERN,
  authenticateApiKey,
  createApiKey,
  DEMO_PLATFORM_KEY,
  generateApiKey,
  revokeApiKey,
} from "./api-keys.server.ts";

let t: TestDatabase;
let tenantId: string;
const ACTOR = { id: null, label: "cli:test" };
const create = (input: { name: string; tenantId?: string | null }) => createApiKey(ACTOR, input, { pool: t.pool });
const revoke = (id: string) => revokeApiKey(ACTOR, id, { pool: t.pool });
const auditOf = async (id: string) =>
  (await t.pool.query(`SELECT actor_label, action, tenant_id, before, after FROM audit_log WHERE entity_id = $1 ORDER BY id`, [id])).rows;
beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('keys-co', 'Keys Co') RETURNING id`);
  tenantId = rows[0].id;
});
afterAll(async () => t?.drop());

describe("generateApiKey", () => {
  it("makes tg_ + 43 URL-safe characters, different every time", () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    for (const k of keys) expect(k).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    expect(new Set(keys).size).toBe(200);
    expect(DEMO_PLATFORM_KEY).toMatch(API_KEY_PATTERN);
  });
});

describe("createApiKey", () => {
  it("stores only the prefix and the SHA-256 of the key", async () => {
    const { key, apiKey } = await create({ name: "billing", tenantId });
    expect(key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    const { rows } = await t.pool.query(`SELECT * FROM api_keys WHERE id = $1`, [apiKey.id]);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row.prefix).toBe(key.slice(0, 12));
    expect(row.hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(row.tenant_id).toBe(tenantId);
    expect(row.name).toBe("billing");
    // The secret part appears nowhere in the stored row.
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(12));
    expect(stored).not.toContain(key.slice(12, 30));
  });

  it("writes its audit entry in the same transaction, with the prefix and never the key text", async () => {
    const { key, apiKey } = await create({ name: "audited", tenantId });
    expect(apiKey).toEqual({ id: apiKey.id, name: "audited", prefix: key.slice(0, 12), tenantId, createdById: null, revokedAt: null });
    const audit = await auditOf(apiKey.id);
    expect(audit).toEqual([
      {
        actor_label: "cli:test",
        action: "api_key.create",
        tenant_id: tenantId,
        before: null,
        after: { id: apiKey.id, name: "audited", prefix: key.slice(0, 12), tenantId, createdById: null, revokedAt: null },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(key.slice(12));
  });

  it("refuses a tenant that does not exist (deleted after the form loaded), creating nothing", async () => {
    const { rows: [before] } = await t.pool.query(`SELECT (SELECT count(*) FROM api_keys)::int AS keys, (SELECT count(*) FROM audit_log)::int AS audit`);
    await expect(create({ name: "orphan", tenantId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({
      code: "invalid_request",
      message: "That tenant no longer exists.",
    });
    const { rows: [after] } = await t.pool.query(`SELECT (SELECT count(*) FROM api_keys)::int AS keys, (SELECT count(*) FROM audit_log)::int AS audit`);
    expect(after).toEqual(before);
  });
});

describe("authenticateApiKey", () => {
  it("finds a tenant-bound key with its tenant, and a platform-wide key without one", async () => {
    const tenantKey = await create({ name: "svc", tenantId });
    const found = await authenticateApiKey(t.pool, tenantKey.key);
    expect(found?.id).toBe(tenantKey.apiKey.id);
    expect(found?.tenant?.slug).toBe("keys-co");

    const platformKey = await create({ name: "infra" });
    const platform = await authenticateApiKey(t.pool, platformKey.key);
    expect(platform?.id).toBe(platformKey.apiKey.id);
    expect(platform?.tenantId).toBeNull();
    expect(platform?.tenant).toBeNull();
  });

  it("rejects a wrong key with a valid prefix, unknown and malformed keys", async () => {
    const { key } = await create({ name: "x", tenantId });
    const last = key.at(-1) === "A" ? "B" : "A";
    expect(await authenticateApiKey(t.pool, key.slice(0, -1) + last)).toBeNull();
    expect(await authenticateApiKey(t.pool, generateApiKey())).toBeNull();
    for (const bad of ["", "tg_short", `Bearer ${key}`, `${key} `, key.replace("tg_", "tk_"), `${key}x`, key.slice(0, -1) + "!"]) {
      expect(await authenticateApiKey(t.pool, bad)).toBeNull();
    }
  });

  it("rejects a revoked key; revoking again keeps the first time and audits once; an unknown key is not_found", async () => {
    const { key, apiKey } = await create({ name: "old", tenantId });
    expect(await authenticateApiKey(t.pool, key)).not.toBeNull();
    expect(await revoke(apiKey.id)).toEqual({ revoked: true });
    const { rows: [first] } = await t.pool.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [apiKey.id]);
    expect(first.revoked_at).toBeInstanceOf(Date);
    expect(await authenticateApiKey(t.pool, key)).toBeNull();
    expect(await revoke(apiKey.id)).toEqual({ revoked: false });
    const { rows: [second] } = await t.pool.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [apiKey.id]);
    expect(second.revoked_at).toEqual(first.revoked_at);
    const audit = await auditOf(apiKey.id);
    expect(audit.map((r) => [r.action, r.before?.revokedAt ?? null, r.after.revokedAt === null])).toEqual([
      ["api_key.create", null, true],
      ["api_key.revoke", null, false],
    ]);
    await expect(revoke("00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ code: "not_found" });
  });

  it("writes last_used_at at most once a minute", async () => {
    const { key, apiKey } = await create({ name: "hot", tenantId });
    const lastUsed = async () =>
      (await t.pool.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [apiKey.id])).rows[0].last_used_at as Date | null;
    expect(await lastUsed()).toBeNull();
    await authenticateApiKey(t.pool, key);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await authenticateApiKey(t.pool, key);
    expect(await lastUsed()).toEqual(first); // within the minute: no write

    await t.pool.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [apiKey.id]);
    const stale = await lastUsed();
    await authenticateApiKey(t.pool, key);
    const refreshed = await lastUsed();
    expect(refreshed!.getTime()).toBeGreaterThan(stale!.getTime() + 60_000);
  });
});
