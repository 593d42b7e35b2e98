// The HTTP API while its database is down: closed mode answers 503 quota_unavailable (never a
// 500); open mode keeps serving keys it verified recently, spools, and replays exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, createPrisma } from "~/db/client.server.ts";
import { disposablePostgres, type DisposablePostgres } from "~/db/test/disposable-postgres.ts";
import { apiClient, apiKey } from "~/test/api-fixtures.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import path from "node:path";

let pg: DisposablePostgres;
let closed: AppInstance;
let open: AppInstance;
let full: AppInstance | undefined;
let fullFs: string;
let key: string;
let revokedKey: string;

beforeAll(async () => {
  pg = await disposablePostgres("outage");
  const pool = createPool(pg.url, 2);
  const prisma = createPrisma(pg.url);
  await createTenant(pool, "outage");
  await createQuota(pool, { scope: "tenant", tenantId: (await pool.query(`SELECT id FROM tenants WHERE slug = 'outage'`)).rows[0].id, limit: "100" });
  key = await apiKey(prisma, "outage-platform");
  revokedKey = await apiKey(prisma, "outage-to-revoke");
  await prisma.$disconnect();
  await pool.end();
  const fast = { QUOTA_DB_TIMEOUT_MS: "1000", SWEEP_INTERVAL_SECONDS: "1" };
  closed = await startAppInstance({ databaseUrl: pg.url, env: { ...fast, QUOTA_FAIL_MODE: "closed" } });
  open = await startAppInstance({
    databaseUrl: pg.url,
    env: { ...fast, QUOTA_FAIL_MODE: "open", QUOTA_SPOOL_DIR: mkdtempSync(path.join(pg.dir, "spool-")) },
  });
  // A fail-open instance whose spool directory is on a 64 KiB file system we can fill (root only).
  fullFs = path.join(pg.dir, "full-fs");
  mkdirSync(fullFs);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", fullFs], { stdio: "ignore" });
    full = await startAppInstance({ databaseUrl: pg.url, env: { ...fast, QUOTA_FAIL_MODE: "open", QUOTA_SPOOL_DIR: path.join(fullFs, "spool") } });
  } catch {
    // Not root or no tmpfs: the disk-full test is skipped and says why.
  }
}, 120_000);

afterAll(async () => {
  await closed?.stop();
  await open?.stop();
  await full?.stop();
  if (full) execFileSync("umount", [fullFs]);
  await pg?.destroy();
});

const usage = (k: string, cost: string) => ({ tenantId: "outage", resource: "llm", idempotencyKey: k, actualCostUsd: cost });

async function recorded() {
  const pool = createPool(pg.url, 1);
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0)::text AS total FROM cost_records c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'outage'`,
  );
  await pool.end();
  return rows[0];
}

describe("database down", () => {
  it("closed: 503 with Retry-After; open: spooled; both ready again and the spool replayed once", async () => {
    // Both instances verify the key while the database is up.
    expect((await apiClient(closed.url, key).post("/api/v1/usage", usage("up-1", "1"))).status).toBe(201);
    expect((await apiClient(open.url, key).post("/api/v1/usage", usage("up-2", "2"))).status).toBe(201);

    await pg.stop();
    const c = await apiClient(closed.url, key).post("/api/v1/usage", usage("down-closed", "4"));
    expect(c.status).toBe(503);
    expect(c.body).toEqual({ error: "quota_unavailable", message: "The quota store is unavailable; try again shortly." });
    expect(c.headers.get("retry-after")).toBe("5");
    expect((await fetch(`${closed.url}/readyz`)).status).toBe(503);

    const o = await apiClient(open.url, key).post("/api/v1/usage", usage("down-open", "8"));
    expect(o.status).toBe(201);
    expect(o.body).toMatchObject({ costRecordId: "spooled", costUsd: 8, warnings: [{ code: "spooled" }] });
    const ready = await fetch(`${open.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).spoolBacklog).toBe(1);
    // An unknown key cannot ride on the outage.
    expect((await apiClient(open.url, `tg_${"B".repeat(43)}`).post("/api/v1/usage", usage("x", "1"))).status).toBe(503);

    await pg.start();
    // The open instance's background work replays the spool (every SWEEP_INTERVAL_SECONDS).
    for (let i = 0; i < 100 && (await recorded()).n < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await recorded()).toEqual({ n: 3, total: "11.0000000000" });
    const after = await fetch(`${open.url}/readyz`);
    expect(after.status).toBe(200);
    expect((await after.json()).spoolBacklog).toBe(0);
  });

  it("open mode: a key revoked while the database is up is refused during a later outage", async () => {
    const api = apiClient(open.url, revokedKey);
    // Both keys verified while the database is up, and kept for outages.
    expect((await apiClient(open.url, key).post("/api/v1/usage", usage("rv-0", "1"))).status).toBe(201);
    expect((await api.post("/api/v1/usage", usage("rv-1", "1"))).status).toBe(201);
    const pool = createPool(pg.url, 1);
    await pool.query(`UPDATE api_keys SET revoked_at = now() WHERE name = 'outage-to-revoke'`);
    await pool.end();
    // The revocation reaches the instance as a notification, asynchronously after the commit:
    // wait for it on a read (up to the cache's 5 s bound), so the write below cannot slip in
    // ahead of it. Then the database answers "revoked": refused, and forgotten by the fail-open cache.
    for (let i = 0; i < 50 && (await api.get("/api/v1/quota-status?tenantId=outage")).status !== 401; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await api.post("/api/v1/usage", usage("rv-2", "1"))).status).toBe(401);

    await pg.stop();
    try {
      // The outage is real: a key still valid is served from the cache and its usage spooled.
      const valid = await apiClient(open.url, key).post("/api/v1/usage", usage("rv-valid", "1"));
      expect([valid.status, valid.body.costRecordId]).toEqual([201, "spooled"]);
      expect((await fetch(`${open.url}/readyz`)).status).toBe(503);
      const r = await api.post("/api/v1/usage", usage("rv-3", "1"));
      expect([r.status, r.body]).toEqual([503, { error: "quota_unavailable", message: "The quota store is unavailable; try again shortly." }]);
    } finally {
      await pg.start();
    }
    for (let i = 0; i < 100 && (await fetch(`${open.url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    // The valid key's spooled usage lands once (rv-0, rv-1 and rv-valid after the first test's 3).
    await expect.poll(recorded, { timeout: 15_000 }).toEqual({ n: 6, total: "14.0000000000" });
  });
});

describe("database down and the spool's disk full", () => {
  it("open mode: 503 quota_unavailable (not allowed, not 500); the retry once the database is back lands once", async (test) => {
    if (!full) test.skip("cannot mount a tmpfs here (needs root)");
    const app = full!;
    expect((await apiClient(app.url, key).post("/api/v1/usage", usage("full-up", "1"))).status).toBe(201); // key verified
    await pg.stop();
    const filler = path.join(fullFs, "filler");
    expect(() => writeFileSync(filler, Buffer.alloc(128 * 1024))).toThrow(expect.objectContaining({ code: "ENOSPC" })); // the disk is full
    const r = await apiClient(app.url, key).post("/api/v1/usage", usage("full-down", "16"));
    expect([r.status, r.body]).toEqual([
      503,
      { error: "quota_unavailable", message: "The quota store is unavailable and the fail-open spool cannot be written; try again shortly." },
    ]);
    expect(r.headers.get("retry-after")).toBe("5");
    expect((await (await fetch(`${app.url}/readyz`)).json()).spoolBacklog).toBe(0);
    rmSync(filler);
    await pg.start();
    await expect.poll(async () => (await apiClient(app.url, key).post("/api/v1/usage", usage("full-down", "16"))).status, { timeout: 10_000 }).toBe(201);
    // The earlier tests' 6 records ($14), then full-up and full-down once.
    expect(await recorded()).toEqual({ n: 8, total: "31.0000000000" });
  });
});
