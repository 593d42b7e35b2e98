// Three `npm start` instances (one server process each) on one database, the third through
// PgBouncer in transaction mode with DATABASE_DIRECT_URL for what needs a session (ADR 0012),
// all three running the background work: racing one tenant's quota over HTTP they allow exactly
// the serial count; their three alert workers deliver each threshold alert once to one receiver;
// their three sweepers expire each hold once; the one behind the bouncer hears key revocations
// (LISTEN went direct); the analysis runs once between them, under a lock that is released.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createTollgate } from "../app/core/index.ts";
import { createQuota, createTenant } from "../app/core/test/fixtures.ts";
import { startPgBouncer } from "../app/db/test/pgbouncer.ts";
import { createTestDatabase } from "../app/db/test/test-database.ts";
import { startHttpReceiver } from "../app/services/alerts/test/receivers.ts";
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

/** The instance's JSON log lines (LOG_FORMAT=json) of one component; a line still being written is left for later. */
function logLines(i: Instance, component: string): Record<string, unknown>[] {
  return i
    .output()
    .split("\n")
    .slice(0, -1)
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.component === component);
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("three npm start instances on one database, one behind PgBouncer", () => {
  it("race one quota to exactly the serial count, deliver each alert once, expire each hold once, run the analysis once, and the pooled one keeps LISTEN and the analysis lock direct", { timeout: 420_000 }, async () => {
    if (buildIsStale()) throw new Error("the build is stale: run `remix build` first (npm test does)");
    const t = await createTestDatabase();
    const bouncer = await startPgBouncer(inject("pgAdminUrl"), [t.name]);
    const receiver = await startHttpReceiver({ signingSecret: "three-instances-signing" });
    const instances: Instance[] = [];
    try {
      const tenantId = await createTenant(t.pool, "three-instances");
      // A warning at every 10%, and 100% (exceeded): ten alerts while the race fills the quota.
      const thresholds = [10, 20, 30, 40, 50, 60, 70, 80, 90];
      const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10", thresholds });
      const key = await apiKey(t.prisma, "three-instances", tenantId);
      // Every instance runs all the background work, configured alike: one webhook channel from
      // the environment (each instance applies it at start: still one channel), sealed with one
      // SECRETS_KEY (a channel one instance sealed, the others open), workers every second, the
      // analysis 15 s after each start and then daily.
      const background = {
        SECRETS_KEY: "three-instances-secrets-key-0001",
        COST_ALERT_CHANNELS: "webhook",
        COST_ALERT_WEBHOOK_URL: `${receiver.url}/tollgate`,
        COST_ALERT_WEBHOOK_SECRET: "three-instances-signing",
        ALERT_ALLOWED_HOSTS: "127.0.0.1:*",
        ALERT_WORKER_INTERVAL_SECONDS: "1",
        ANALYSIS_INTERVAL_HOURS: "24",
      };
      // One after another: each applies migrations (none pending) before it serves.
      instances.push(await npmStart({ ...background, DATABASE_URL: t.url }));
      instances.push(await npmStart({ ...background, DATABASE_URL: t.url }));
      instances.push(await npmStart({ ...background, DATABASE_URL: bouncer.url(t.name), DATABASE_DIRECT_URL: t.url }));
      // First: all three run an alert worker (else "delivered once" below would prove nothing).
      for (const [n, i] of instances.entries()) {
        await waitFor(() => logLines(i, "alerts").some((l) => l.msg === "alert worker started: delivering every 1 s"), `instance ${n + 1}'s alert worker`);
      }
      expect((await t.pool.query(`SELECT type::text, config->>'source' AS source FROM alert_channels`)).rows).toEqual([{ type: "webhook", source: "env" }]);
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

      // Each threshold crossed once (decided under the row lock), so ten outbox rows; three
      // workers claim them (SKIP LOCKED, a lease): each delivered at the first attempt — a second
      // claim would count a second attempt. The receiver's count comes once every instance has
      // stopped (no send can be in flight then).
      const periodStart = (await t.pool.query(`SELECT period_start FROM quota_usage WHERE quota_id = $1`, [quotaId])).rows[0].period_start as Date;
      const alertKeys = [...thresholds, 100].map((p) => `quota:${quotaId}:${periodStart.toISOString()}:${p}`).sort();
      const outbox = async () =>
        (await t.pool.query(`SELECT dedupe_key AS key, kind::text, status::text, attempts FROM alert_events`)).rows.sort((a, b) => (a.key < b.key ? -1 : 1));
      await waitFor(async () => (await outbox()).filter((e) => e.status === "delivered").length >= alertKeys.length, "the alert workers");
      expect(await outbox()).toEqual(
        alertKeys.map((k) => ({ key: k, kind: k.endsWith(":100") ? "quota_exceeded" : "quota_threshold", status: "delivered", attempts: 1 })),
      );

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

      // The analysis: every instance's first tick (15 s after its start) took part — each logs a
      // run or a skip — and exactly one ran. The lock keeps runs from overlapping; the others
      // skipped because a run had just finished (or, overlapping, for the lock).
      const tick = (l: Record<string, unknown>) => (typeof l.skipped === "string" ? `skipped (${l.skipped})` : typeof l.forecasts === "number" ? "ran" : `${l.level}: ${l.msg}`);
      const ticks = () => instances.map((i) => logLines(i, "analysis").map(tick));
      await waitFor(() => ticks().every((x) => x.length > 0), "every instance's analysis tick");
      expect(ticks().map((x) => x.length), JSON.stringify(ticks())).toEqual([1, 1, 1]);
      expect(ticks().flat().filter((x) => !x.startsWith("skipped")), JSON.stringify(ticks())).toEqual(["ran"]);
      // One run written: the TTL advice run the job replaces each time is the first one ever
      // (a second run would have taken id 2), one forecast for the one quota.
      expect((await t.pool.query(`SELECT id::int FROM ttl_advice_runs`)).rows).toEqual([{ id: 1 }]);
      expect((await t.pool.query(`SELECT quota_id FROM forecasts`)).rows).toEqual([{ quota_id: quotaId }]);

      for (const i of instances) i.child.kill("SIGTERM");
      const codes = await Promise.all(instances.map((i) => i.exited));
      expect(codes, instances.map((i) => i.output()).join("\n---\n")).toEqual(instances.map(() => 0));
      // Every alert reached the receiver exactly once, signed, across the three workers.
      const deliveries = new Map<string, number>();
      for (const r of receiver.requests) deliveries.set(r.json?.dedupeKey, (deliveries.get(r.json?.dedupeKey) ?? 0) + 1);
      expect([...deliveries].sort()).toEqual(alertKeys.map((k) => [k, 1]));
      expect(receiver.requests.map((r) => [r.path, r.signatureValid])).toEqual(alertKeys.map(() => ["/tollgate", true]));
      // With every instance stopped, no advisory lock is left: the analysis lock was taken and
      // released on one direct session. Taken through the bouncer, its release ran on another
      // server connection and the lock stayed with the pooled one, blocking every later run.
      expect((await t.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n).toBe(0);
    } finally {
      for (const i of instances) i.child.kill("SIGTERM");
      await Promise.all(instances.map((i) => i.exited));
      await bouncer.stop();
      await receiver.close();
      await t.drop();
    }
  });
});
