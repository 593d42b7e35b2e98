// The read replica (ADR 0013) at the connection level: a real streaming replica of the embedded
// server really streams and refuses writes; readPool() reads from it when DATABASE_READ_URL is
// set, from the app pool when not, and from the primary (with one log line) while it is down.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureLogs } from "../services/logger.server.ts";
import { createPool, dbPool, disconnectDb, readPool } from "./client.server.ts";
import { poolConfig } from "./pg-adapter.ts";
import { ReplicaPool } from "./replica-pool.ts";
import { withTenantScope } from "./transaction.server.ts";
import { streamingReplica, type StreamingReplica } from "./test/streaming-replica.ts";

let r: StreamingReplica;
const env = { DATABASE_URL: process.env.DATABASE_URL, DATABASE_READ_URL: process.env.DATABASE_READ_URL };

beforeAll(async () => {
  r = await streamingReplica("replica_conn");
  process.env.DATABASE_URL = r.primaryUrl;
});

afterAll(async () => {
  await disconnectDb();
  for (const [k, v] of Object.entries(env)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  await r?.destroy();
});

const tenantCount = async (pool: { query: (s: string) => Promise<{ rows: { n: number }[] }> }) =>
  (await pool.query(`SELECT count(*)::int AS n FROM tenants WHERE slug LIKE 'rep-%'`)).rows[0].n;

describe("the streaming replica of the embedded server", () => {
  it("shows a row written on the primary, refuses writes (25006), and shows the past while replay is paused", async () => {
    const primary = createPool(r.primaryUrl, 2);
    const replica = createPool(r.replicaUrl, 2);
    try {
      expect((await replica.query(`SELECT pg_is_in_recovery() AS standby`)).rows[0].standby).toBe(true);
      expect((await primary.query(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE application_name = 'tollgate_test_replica' AND state = 'streaming'`)).rows[0].n).toBe(1);
      const { rows } = await primary.query(`INSERT INTO tenants (slug, name) VALUES ('rep-1', 'Replicated'), ('rep-0', 'Other') RETURNING id`);
      for (const [i, { id }] of rows.entries()) {
        await primary.query(`INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) VALUES ('tenant', $1, $2::uuid, 'llm', 'month', $3)`, [id, id, 10 + i]);
      }
      await r.caughtUp();
      expect((await replica.query(`SELECT name FROM tenants WHERE slug = 'rep-1'`)).rows).toEqual([{ name: "Replicated" }]);
      expect(await tenantCount(replica)).toBe(2);

      const refused = await replica.query(`INSERT INTO tenants (slug, name) VALUES ('rep-x', 'Nope')`).catch((e) => e);
      expect(refused.code).toBe("25006"); // read_only_sql_transaction

      await r.pauseReplay();
      await primary.query(`INSERT INTO tenants (slug, name) VALUES ('rep-2', 'While paused')`);
      expect(await tenantCount(primary)).toBe(3);
      expect(await tenantCount(replica)).toBe(2);
      await r.resumeReplay();
      await r.caughtUp();
      expect(await tenantCount(replica)).toBe(3);
    } finally {
      await primary.end();
      await replica.end();
    }
  });
});

describe("readPool()", () => {
  it("is the app pool itself without DATABASE_READ_URL", async () => {
    delete process.env.DATABASE_READ_URL;
    await disconnectDb();
    expect(readPool()).toBe(dbPool());
  });

  it("reads from the replica with DATABASE_READ_URL, tenant-scoped reads under row-level security included", async () => {
    process.env.DATABASE_READ_URL = r.replicaUrl;
    await disconnectDb();
    expect(readPool()).not.toBe(dbPool());
    expect((await readPool().query(`SELECT pg_is_in_recovery() AS standby`)).rows[0].standby).toBe(true);
    expect((await dbPool().query(`SELECT pg_is_in_recovery() AS standby`)).rows[0].standby).toBe(false);

    const ids = (await dbPool().query(`SELECT id, slug FROM tenants WHERE slug = 'rep-1'`)).rows;
    await r.caughtUp();
    // As the tenant-scoped role (SET LOCAL ROLE + app.tenant_id) on the standby: no tenant filter
    // in the query, and only the tenant's own rows come back.
    const seen = await withTenantScope(ids[0].id, async (tx) => (await tx.query(`SELECT limit_usd::text AS limit, pg_is_in_recovery() AS standby FROM quotas`)).rows, { pool: readPool() });
    expect(seen).toEqual([{ limit: "10.0000000000", standby: true }]);
    // The same read as the owner sees both tenants' quotas: the scope is what kept one out.
    expect((await readPool().query(`SELECT count(*)::int AS n FROM quotas WHERE scope = 'tenant'`)).rows[0].n).toBe(2);
  });

  it("while the replica is down, reads go to the primary, with one log line", async () => {
    process.env.DATABASE_READ_URL = r.replicaUrl;
    await disconnectDb();
    await r.stopReplica();
    const logs = captureLogs();
    try {
      // The fault happened: the replica does not accept connections.
      const direct = createPool(r.replicaUrl, 1);
      expect(((await direct.query("SELECT 1").catch((e) => e)) as { code?: string }).code).toBe("ECONNREFUSED");
      await direct.end();

      expect((await readPool().query(`SELECT pg_is_in_recovery() AS standby`)).rows[0].standby).toBe(false);
      expect((await readPool().query(`SELECT pg_is_in_recovery() AS standby`)).rows[0].standby).toBe(false);
      expect(logs.lines().filter((l) => String(l.event).startsWith("read_replica")).map((l) => [l.level, l.event, l.reason, l.msg])).toEqual([
        ["warn", "read_replica_down", "ECONNREFUSED", "read replica unreachable: dashboard reads go to the primary"],
      ]);
    } finally {
      logs.restore();
      await r.startReplica();
    }
  });

  it("a replica pool that is only busy makes the caller wait (and fail past its timeout), never falls back", async () => {
    const changes: string[] = [];
    let fallbacks = 0;
    const pool = new ReplicaPool(
      { ...poolConfig(r.replicaUrl), max: 1, connectionTimeoutMillis: 300 },
      { fallback: () => (fallbacks++, dbPool()), onStateChange: (state) => void changes.push(state) },
    );
    const held = await pool.connect();
    try {
      expect((await held.query(`SELECT pg_is_in_recovery() AS standby`)).rows[0].standby).toBe(true);
      const waited = await pool.connect().catch((e: Error) => e);
      expect((waited as Error).message).toBe("timeout exceeded when trying to connect");
      expect({ fallbacks, changes }).toEqual({ fallbacks: 0, changes: [] });
    } finally {
      held.release();
      await pool.end();
    }
  });
});
