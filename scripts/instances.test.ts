// Three `npm start` instances (one server process each) on one database, the third through
// PgBouncer in transaction mode with DATABASE_DIRECT_URL for what needs a session (ADR 0012):
// racing one tenant's quota over HTTP they allow exactly the serial count; their three sweepers
// expire each hold once; the one behind the bouncer hears key revocations (LISTEN went direct)
// and runs the analysis under a lock that is released (it went direct too).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createTollgate } from "../app/core/index.ts";
import { createQuota, createTenant } from "../app/core/test/fixtures.ts";
import { startPgBouncer } from "../app/db/test/pgbouncer.ts";
import { createTestDatabase } from "../app/db/test/test-database.ts";
import { apiClient, apiKey } from "../app/test/api-fixtures.ts";
import { buildIsStale } from "./lib/build.ts";
import { freePort, ROOT } from "./lib/postgres.ts";

/** As `npm start` runs it (package.json). */
const NPM_START = ["--import", "tsx", "--import", "./scripts/otel-preload.ts", "scripts/start.ts"];

interface Instance {
  url: string;
  output: () => string;
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
}

async function npmStart(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-instance-"));
  const child = spawn(process.execPath, NPM_START, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      SEED_DEMO: "false",
      WEB_CONCURRENCY: "1",
      LOG_FORMAT: "json",
      // 120 requests queue for the core's 12 connections on a loaded machine: not under test.
      QUOTA_DB_TIMEOUT_MS: "60000",
      SWEEP_INTERVAL_SECONDS: "1",
      // Keys and tenants cached long: only a notification can make an instance forget one.
      API_AUTH_CACHE_SECONDS: "300",
      ...env,
    } as NodeJS.ProcessEnv,
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => (rmSync(dataDir, { recursive: true, force: true }), r(code))));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
  }, `instance on ${port} healthy`);
  return { url, output: () => out, child, exited };
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("three npm start instances on one database, one behind PgBouncer", () => {
  it("race one quota to exactly the serial count, expire each hold once, and the pooled one keeps LISTEN and the analysis lock direct", { timeout: 420_000 }, async () => {
    if (buildIsStale()) throw new Error("the build is stale: run `remix build` first (npm test does)");
    const t = await createTestDatabase();
    const bouncer = await startPgBouncer(inject("pgAdminUrl"), [t.name]);
    const instances: Instance[] = [];
    try {
      const tenantId = await createTenant(t.pool, "three-instances");
      const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
      const key = await apiKey(t.prisma, "three-instances", tenantId);
      // One after another: each applies migrations (none pending) before it serves. Only the
      // pooled one runs the analysis (15 s after it starts), so the lock check at the end is
      // about its session; the sweepers run on all three.
      instances.push(await npmStart({ DATABASE_URL: t.url, ANALYSIS_INTERVAL_HOURS: "0" }));
      instances.push(await npmStart({ DATABASE_URL: t.url, ANALYSIS_INTERVAL_HOURS: "0" }));
      instances.push(await npmStart({ DATABASE_URL: bouncer.url(t.name), DATABASE_DIRECT_URL: t.url, ANALYSIS_INTERVAL_HOURS: "24" }));
      const clients = instances.map((i) => apiClient(i.url, key));
      const bouncedBefore = (await bouncer.stats(t.name)).xacts;

      // 120 concurrent $0.25 reservations, 40 on each instance, against $10: exactly 40 held.
      const responses = await Promise.all(
        Array.from({ length: 120 }, (_, i) =>
          clients[i % 3].post("/api/v1/reservations", { tenantId, resource: "llm", idempotencyKey: `r-${i}`, estimatedCostUsd: "0.25" }),
        ),
      );
      const count = (s: number, side?: number) => responses.filter((r, i) => r.status === s && (side === undefined || i % 3 === side)).length;
      expect({ created: count(201), denied: count(429) }).toEqual({ created: 40, denied: 80 });
      for (const side of [0, 1, 2]) expect(count(201, side) + count(429, side)).toBe(40);
      const usage = async () =>
        (await t.pool.query(`SELECT spent_usd::text AS spent, reserved_usd::text AS reserved FROM quota_usage_current WHERE quota_id = $1`, [quotaId])).rows;
      expect(await usage()).toEqual([{ spent: "0.0000000000", reserved: "10.0000000000" }]);
      // The third instance's decisions went through the bouncer (its URL's database name exists only there).
      expect((await bouncer.stats(t.name)).xacts - bouncedBefore).toBeGreaterThanOrEqual(1);
      expect((await createTollgate({ pool: t.pool }).reconcile()).mismatches).toEqual([]);

      // Time passes for the holds (their expiry moved back); three sweepers, one each second.
      await t.pool.query(`UPDATE reservations SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND status = 'held'`, [tenantId]);
      const statuses = async () =>
        (await t.pool.query(`SELECT status, count(*)::int AS n FROM reservations WHERE tenant_id = $1 GROUP BY status`, [tenantId])).rows;
      await waitFor(async () => (await statuses()).every((r) => r.status !== "held"), "the sweepers");
      expect(await statuses()).toEqual([{ status: "expired", n: 40 }]);
      // Each hold released once: a second release would have taken the row below zero.
      expect(await usage()).toEqual([{ spent: "0.0000000000", reserved: "0.0000000000" }]);
      expect((await createTollgate({ pool: t.pool }).reconcile()).mismatches).toEqual([]);

      // Every instance has the key cached (300 s); revoking it notifies them all, the pooled one
      // included: its LISTEN is on DATABASE_DIRECT_URL (through the bouncer it would be lost).
      for (const c of clients) expect((await c.get(`/api/v1/quota-status?tenantId=${tenantId}`)).status).toBe(200);
      await t.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1`, [tenantId]);
      for (const [i, c] of clients.entries()) await waitFor(async () => (await c.get(`/api/v1/quota-status?tenantId=${tenantId}`)).status === 401, `instance ${i + 1} to drop the key`);

      // The pooled instance ran the analysis (it logs a run; a skip is silent).
      await waitFor(() => /forecasts \(\d+ breaches predicted\)/.test(instances[2].output()), "the analysis run");
      for (const i of instances) i.child.kill("SIGTERM");
      const codes = await Promise.all(instances.map((i) => i.exited));
      expect(codes, instances.map((i) => i.output()).join("\n---\n")).toEqual(instances.map(() => 0));
      // With every instance stopped, no advisory lock is left: the analysis lock was taken and
      // released on one direct session. Taken through the bouncer, its release ran on another
      // server connection and the lock stayed with the pooled one, blocking every later run.
      expect((await t.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n).toBe(0);
    } finally {
      for (const i of instances) i.child.kill("SIGTERM");
      await Promise.all(instances.map((i) => i.exited));
      await bouncer.stop();
      await t.drop();
    }
  });
});
