// The notifications the database sends for the API's cache (migration
// 20261202060000_api_cache_notify), as a LISTEN connection receives them: one per change that
// can turn a cached "yes" into a "no", none for the per-minute last_used_at write.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { poolConfig } from "~/db/pg-adapter.ts";
import { createTenant } from "~/core/test/fixtures.ts";
import { createApiKey } from "~/services/api-keys.server.ts";
import { CACHE_CHANNEL } from "./cache-listener.server.ts";

let t: TestDatabase;
let listener: pg.Client;
let received: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  listener = new pg.Client(poolConfig(t.url));
  await listener.connect();
  listener.on("notification", (n) => received.push(n.payload ?? ""));
  await listener.query(`LISTEN ${CACHE_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await t?.drop();
});

/** Runs the statements (each its own transaction), then returns what was notified in order. */
async function notifiedBy(...statements: string[]): Promise<string[]> {
  received = [];
  for (const sql of statements) await t.pool.query(sql);
  // A marker sent last arrives last (one session's notifications keep their order).
  await t.pool.query(`SELECT pg_notify('${CACHE_CHANNEL}', 'end')`);
  const deadline = Date.now() + 5_000;
  while (received.at(-1) !== "end" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return received.slice(0, -1);
}

describe("tollgate_cache notifications", () => {
  it("keys: revoke, re-bind, delete notify with the key's id; last_used_at alone does not", async () => {
    const tenantId = await createTenant(t.pool, "notify-co");
    const { apiKey } = await createApiKey({ id: null, label: "test" }, { name: "n1", tenantId }, { pool: t.pool });
    const id = apiKey.id;
    expect(await notifiedBy(`UPDATE api_keys SET last_used_at = now() WHERE id = '${id}'`)).toEqual([]);
    expect(await notifiedBy(`UPDATE api_keys SET revoked_at = now() WHERE id = '${id}'`)).toEqual([`key:${id}`]);
    expect(await notifiedBy(`UPDATE api_keys SET tenant_id = NULL WHERE id = '${id}'`)).toEqual([`key:${id}`]);
    expect(await notifiedBy(`UPDATE api_keys SET name = name WHERE id = '${id}'`)).toEqual([]);
    expect(await notifiedBy(`DELETE FROM api_keys WHERE id = '${id}'`)).toEqual([`key:${id}`]);
  });

  it("tenants: rename, suspend, delete notify with the tenant's id (the delete also for its keys); TRUNCATE notifies everything", async () => {
    const tenantId = await createTenant(t.pool, "notify-two");
    const { apiKey } = await createApiKey({ id: null, label: "test" }, { name: "n2", tenantId }, { pool: t.pool });
    expect(await notifiedBy(`UPDATE tenants SET slug = 'notify-2' WHERE id = '${tenantId}'`)).toEqual([`tenant:${tenantId}`]);
    expect(await notifiedBy(`UPDATE tenants SET status = 'suspended' WHERE id = '${tenantId}'`)).toEqual([`tenant:${tenantId}`]);
    expect(await notifiedBy(`UPDATE tenants SET status = 'suspended' WHERE id = '${tenantId}'`)).toEqual([]);
    expect((await notifiedBy(`DELETE FROM tenants WHERE id = '${tenantId}'`)).sort()).toEqual([`key:${apiKey.id}`, `tenant:${tenantId}`].sort());
    expect((await notifiedBy(`TRUNCATE api_keys, tenants CASCADE`)).sort()).toEqual(["key:*", "tenant:*"]);
  });
});
