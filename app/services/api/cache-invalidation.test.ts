// The API's key/tenant cache across real server processes (ADR 0010): two app instances share
// one database; a change made anywhere (through instance A's panel, or plain SQL from another
// connection) reaches instance B's cache through its LISTEN connection, so B refuses at once —
// although B had just served the key from memory and would keep it for API_AUTH_CACHE_SECONDS
// (set to 300 s here, so only a notification can explain a prompt refusal). Polls have a
// deadline; nothing sleeps for a fixed time.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { poolConfig } from "~/db/pg-adapter.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { apiClient, apiKey } from "~/test/api-fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { signInUsers } from "~/test/panel-sessions.ts";
import { SESSION_COOKIE } from "~/services/session.server.ts";

vi.setConfig({ testTimeout: 60_000 });

let t: TestDatabase;
let a: AppInstance;
let b: AppInstance;
let platformKey: string;
let listenerA: number;
let listenerB: number;
const env = { API_AUTH_CACHE_SECONDS: "300" };

/** Backend pids of the cache listeners connected to this test's database. */
async function listeners(): Promise<number[]> {
  const { rows } = await t.pool.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tollgate-cache-listener' ORDER BY pid`,
  );
  return rows.map((r) => r.pid);
}

async function until<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const status = (instance: AppInstance, key: string, tenant: string) =>
  apiClient(instance.url, key)
    .get(`/api/v1/quota-status?tenantId=${tenant}`)
    .then((r) => r.status);

/** A tenant with a quota, and a key bound to it. */
async function tenantWithKey(slug: string) {
  const id = await createTenant(t.pool, slug);
  await createQuota(t.pool, { scope: "tenant", tenantId: id, limit: "100" });
  return { id, key: await apiKey(t.prisma, `${slug}-key`, id) };
}

beforeAll(async () => {
  t = await createAppTestDatabase(); // signInUsers writes sessions through the app's client
  platformKey = await apiKey(t.prisma, "platform");
  a = await startAppInstance({ databaseUrl: t.url, env });
  [listenerA] = await until("A's listener", listeners, (l) => l.length === 1);
  b = await startAppInstance({ databaseUrl: t.url, env });
  const both = await until("B's listener", listeners, (l) => l.length === 2);
  listenerB = both.find((p) => p !== listenerA)!;
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await t?.drop();
});

describe("a change reaches every process's cache at once", () => {
  it("a key revoked with plain SQL from another connection: B, which had the key in memory, refuses it", async () => {
    const { key } = await tenantWithKey("sql-revoke");
    expect(await status(b, key, "sql-revoke")).toBe(200);
    expect(await status(b, key, "sql-revoke")).toBe(200); // warm: used on B before the revoke
    await t.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE name = 'sql-revoke-key'`);
    await until("B refuses the revoked key", () => status(b, key, "sql-revoke"), (s) => s === 401, 5_000);
    expect(await status(a, key, "sql-revoke")).toBe(401);
  });

  it("a key revoked through instance A's panel: B refuses it", async () => {
    const { key } = await tenantWithKey("panel-revoke");
    const { admin } = await signInUsers(t.pool, { admin: { role: "admin" } });
    expect(await status(b, key, "panel-revoke")).toBe(200);
    expect(await status(a, key, "panel-revoke")).toBe(200);
    const { rows } = await t.pool.query(`SELECT id FROM api_keys WHERE name = 'panel-revoke-key'`);
    const revoke = await fetch(`${a.url}/api-keys?index`, {
      method: "POST",
      headers: { Cookie: `${SESSION_COOKIE}=${admin.cookie}`, Origin: a.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "revoke", keyId: rows[0].id }),
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.text()).toContain("Key revoked. Requests with it now get 401.");
    // A dropped it while revoking; B hears it from the database.
    expect(await status(a, key, "panel-revoke")).toBe(401);
    await until("B refuses the key revoked on A", () => status(b, key, "panel-revoke"), (s) => s === 401, 5_000);
  });

  it("a tenant suspended: its keys are refused on B; a platform key may still act for it", async () => {
    const { key } = await tenantWithKey("suspend-me");
    expect(await status(b, key, "suspend-me")).toBe(200);
    expect(await status(b, platformKey, "suspend-me")).toBe(200);
    await t.pool.query(`UPDATE tenants SET status = 'suspended' WHERE slug = 'suspend-me'`);
    await until("B refuses the suspended tenant's key", () => status(b, key, "suspend-me"), (s) => s === 401, 5_000);
    expect(await status(b, platformKey, "suspend-me")).toBe(200);
  });

  it("a tenant renamed and a tenant deleted: B no longer finds them under the old name, and the deleted tenant's key is refused", async () => {
    await tenantWithKey("rename-me");
    const gone = await tenantWithKey("delete-me");
    expect(await status(b, platformKey, "rename-me")).toBe(200);
    expect(await status(b, platformKey, "delete-me")).toBe(200);
    expect(await status(b, platformKey, gone.id)).toBe(200);
    expect(await status(b, gone.key, "delete-me")).toBe(200);
    await t.pool.query(`UPDATE tenants SET slug = 'renamed' WHERE slug = 'rename-me'`);
    await t.pool.query(`DELETE FROM tenants WHERE slug = 'delete-me'`);
    await until("B forgets the old slug", () => status(b, platformKey, "rename-me"), (s) => s === 404, 5_000);
    expect(await status(b, platformKey, "renamed")).toBe(200);
    await until("B forgets the deleted tenant", () => status(b, platformKey, "delete-me"), (s) => s === 404, 5_000);
    expect(await status(b, platformKey, gone.id)).toBe(404);
    expect(await status(b, gone.key, "delete-me")).toBe(401);
  });
});

describe("the LISTEN connection lost", () => {
  it("a change the database does not announce is served from memory — until B's LISTEN connection is killed; then B asks the database, and caches again once reconnected", async () => {
    const { key } = await tenantWithKey("unannounced");
    expect(await status(b, key, "unannounced")).toBe(200);
    // Revoked with triggers off for this session (replica role): no notification is sent.
    const quiet = new pg.Client(poolConfig(t.url));
    await quiet.connect();
    try {
      await quiet.query(`SET session_replication_role = replica`);
      await quiet.query(`UPDATE api_keys SET revoked_at = now() WHERE name = 'unannounced-key'`);
    } finally {
      await quiet.end();
    }
    // The cache is real: B still serves the key the database now calls revoked.
    expect(await status(b, key, "unannounced")).toBe(200);
    expect(await status(b, key, "unannounced")).toBe(200);

    const { rows } = await t.pool.query(`SELECT pg_terminate_backend($1) AS killed`, [listenerB]);
    expect(rows[0].killed).toBe(true);
    // The terminate landed: B's listener backend is gone (A's is untouched).
    await until("B's listener gone", listeners, (l) => !l.includes(listenerB));
    expect(await listeners()).toContain(listenerA);
    await until("B asks the database", () => status(b, key, "unannounced"), (s) => s === 401, 5_000);

    // B reconnects by itself, and notifications work again.
    const back = await until("B's new listener", listeners, (l) => l.length === 2 && l.includes(listenerA));
    listenerB = back.find((p) => p !== listenerA)!;
    const again = await tenantWithKey("after-reconnect");
    expect(await status(b, again.key, "after-reconnect")).toBe(200);
    await t.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE name = 'after-reconnect-key'`);
    await until("B refuses after reconnecting", () => status(b, again.key, "after-reconnect"), (s) => s === 401, 5_000);
    expect(b.output()).toContain("cache listener lost");
  });
});

describe("last_used_at", () => {
  it("is written in the background (the request does not wait for it), and not again within the minute", async () => {
    const { key } = await tenantWithKey("last-used");
    const lastUsed = async () => (await t.pool.query(`SELECT last_used_at FROM api_keys WHERE name = 'last-used-key'`)).rows[0].last_used_at as Date | null;
    expect(await lastUsed()).toBeNull();
    expect(await status(b, key, "last-used")).toBe(200);
    const first = await until("last_used_at written", lastUsed, (v) => v !== null, 5_000);
    expect(await status(b, key, "last-used")).toBe(200);
    expect(await status(a, key, "last-used")).toBe(200);
    expect(await lastUsed()).toEqual(first);
  });
});
