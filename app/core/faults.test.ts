// Faults against a real PostgreSQL that this file owns (so it can stop and start it):
// down before start, down mid-flight, connections killed, statement timeouts. Closed mode
// answers quota_unavailable; open mode allows, spools to disk and replays exactly once.
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../db/client.server.ts";
import { disposablePostgres, type DisposablePostgres } from "../db/test/disposable-postgres.ts";
import { createTollgate } from "./index.ts";
import { createQuota, createTenant, usageOf } from "./test/fixtures.ts";

let pg: DisposablePostgres;
let url: string;
let dir: string;
const admin = () => createPool(url, 2);
const server = { stop: () => pg.stop() };
const startServer = () => pg.start();

beforeAll(async () => {
  pg = await disposablePostgres("faults");
  url = pg.url;
  dir = pg.dir;
}, 120_000);

afterAll(async () => pg?.destroy());

function tollgateFor(mode: "closed" | "open", opts: { statementTimeoutMs?: number } = {}) {
  const pool = createPool(url, 8);
  if (opts.statementTimeoutMs) pool.options.statement_timeout = opts.statementTimeoutMs;
  (pool.options as any).connectionTimeoutMillis = 1000;
  const spoolDir = mkdtempSync(path.join(dir, "spool-"));
  return { pool, tg: createTollgate({ pool, failMode: mode, spoolDir }) };
}

async function setup(slug: string, limit = "100") {
  const p = admin();
  const tenantId = await createTenant(p, slug);
  const quotaId = await createQuota(p, { scope: "tenant", tenantId, limit });
  await p.end();
  return { tenantId, quotaId };
}

async function totals(tenantId: string) {
  const p = admin();
  const { rows } = await p.query(`SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0)::text AS total FROM cost_records WHERE tenant_id = $1`, [tenantId]);
  const rec = await createTollgate({ pool: p }).reconcile();
  await p.end();
  return { ...rows[0], reconciled: rec.mismatches };
}

describe("database down", () => {
  it("closed mode: quota_unavailable while down; open mode: allowed, spooled, replayed exactly once", async () => {
    const { tenantId, quotaId } = await setup("down");
    const closed = tollgateFor("closed");
    const open = tollgateFor("open");
    const held = await open.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "before", estimatedCostUsd: "2" });
    expect(held.allowed).toBe(true);

    await server.stop();
    await expect(closed.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "c1", estimatedCostUsd: "1" })).rejects.toMatchObject({ code: "quota_unavailable" });
    await expect(closed.tg.record({ tenantId, resource: "llm", idempotencyKey: "c2", actualCostUsd: "1" })).rejects.toMatchObject({ code: "quota_unavailable" });

    const spooledHold = await open.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "during", estimatedCostUsd: "3" });
    expect(spooledHold).toMatchObject({ allowed: true, warnings: [{ code: "spooled" }] });
    const rec = await open.tg.record({ tenantId, resource: "llm", idempotencyKey: "rec-during", actualCostUsd: "1.25" });
    expect(rec).toMatchObject({ allowed: true, costRecordId: "spooled" });
    if (!held.allowed || !spooledHold.allowed) throw new Error("expected allowed");
    await open.tg.settle(held.reservationId, { actualCostUsd: "1.5" }); // a real hold, settled while down
    await open.tg.settle(spooledHold.reservationId, { actualCostUsd: "2.75" });
    expect(open.tg.spoolBacklog()).toBe(4);
    await expect(open.tg.replaySpool()).rejects.toMatchObject({ code: "quota_unavailable" }); // still down: kept
    expect(open.tg.spoolBacklog()).toBe(4);

    await startServer();
    expect(await open.tg.replaySpool()).toBe(3);
    expect(await open.tg.replaySpool()).toBe(0);
    expect(open.tg.spoolBacklog()).toBe(0);
    expect(await totals(tenantId)).toEqual({ n: 3, total: "5.5000000000", reconciled: [] });
    const p = admin();
    expect(await usageOf(p, quotaId)).toMatchObject({ spent: "5.5000000000", reserved: "0.0000000000" });
    await p.end();
    await closed.pool.end();
    await open.pool.end();
  });
});

describe("database down before start", () => {
  it("a tollgate created while the database is down: closed → unavailable; open → spooled, replayed once it is up", async () => {
    const { tenantId, quotaId } = await setup("down-at-start");
    await pg.stop();
    const closed = tollgateFor("closed");
    const open = tollgateFor("open");
    await expect(closed.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "r", estimatedCostUsd: "1" })).rejects.toMatchObject({ code: "quota_unavailable" });
    await expect(closed.tg.quotaStatus({ tenantId })).rejects.toMatchObject({ code: "quota_unavailable" });
    const r = await open.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "r", estimatedCostUsd: "1" });
    if (!r.allowed) throw new Error("expected allowed");
    await open.tg.settle(r.reservationId, { actualCostUsd: "0.75" });
    await pg.start();
    expect(await open.tg.replaySpool()).toBe(1);
    expect(await totals(tenantId)).toEqual({ n: 1, total: "0.7500000000", reconciled: [] });
    const p = admin();
    expect(await usageOf(p, quotaId)).toMatchObject({ spent: "0.7500000000", reserved: "0.0000000000" });
    await p.end();
    await closed.pool.end();
    await open.pool.end();
  });
});

describe("connections killed mid-flight", () => {
  it("pg_terminate_backend during a burst: every cost lands exactly once after replay", async () => {
    const { tenantId } = await setup("killed", "1000");
    const open = tollgateFor("open");
    const killer = admin();
    const burst = Array.from({ length: 60 }, (_, i) =>
      open.tg.record({ tenantId, resource: "llm", idempotencyKey: `k${i}`, actualCostUsd: "0.10" }),
    );
    await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'faults' AND pid <> pg_backend_pid()`);
    const results = await Promise.all(burst);
    expect(results.every((r) => r.allowed)).toBe(true);
    await open.tg.replaySpool();
    expect(await totals(tenantId)).toEqual({ n: 60, total: "6.0000000000", reconciled: [] });
    // Replaying again (as after a crash mid-replay) changes nothing.
    await open.tg.replaySpool();
    expect((await totals(tenantId)).n).toBe(60);
    await killer.end();
    await open.pool.end();
  });

  it("closed mode reports the killed requests as unavailable and the ledger stays consistent", async () => {
    const { tenantId } = await setup("killed-closed", "1000");
    const closed = tollgateFor("closed");
    const killer = admin();
    const burst = Array.from({ length: 40 }, (_, i) =>
      closed.tg.record({ tenantId, resource: "llm", idempotencyKey: `k${i}`, actualCostUsd: "0.10" }).then(
        () => "ok",
        (e) => e.code,
      ),
    );
    await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'faults' AND pid <> pg_backend_pid()`);
    const outcomes = await Promise.all(burst);
    expect(outcomes.every((o) => o === "ok" || o === "quota_unavailable")).toBe(true);
    const ok = outcomes.filter((o) => o === "ok").length;
    const t = await totals(tenantId);
    // Each recorded cost is either acknowledged or reported unavailable; a retry with the same
    // key completes the rest exactly once.
    expect(t.n).toBeGreaterThanOrEqual(ok);
    for (let i = 0; i < 40; i++) await closed.tg.record({ tenantId, resource: "llm", idempotencyKey: `k${i}`, actualCostUsd: "0.10" });
    expect(await totals(tenantId)).toEqual({ n: 40, total: "4.0000000000", reconciled: [] });
    await killer.end();
    await closed.pool.end();
  });
});

describe("statement timeout", () => {
  it("a reservation stuck behind a lock times out: closed → unavailable, open → spooled then replayed", async () => {
    const { tenantId, quotaId } = await setup("timeout");
    const closed = tollgateFor("closed", { statementTimeoutMs: 200 });
    const open = tollgateFor("open", { statementTimeoutMs: 200 });
    // Create the usage row, then hold its lock from another session.
    await closed.tg.record({ tenantId, resource: "llm", idempotencyKey: "warm", actualCostUsd: "1" });
    const blocker = await admin().connect();
    await blocker.query("BEGIN");
    await blocker.query(`SELECT 1 FROM quota_usage WHERE quota_id = $1 FOR UPDATE`, [quotaId]);
    await expect(closed.tg.record({ tenantId, resource: "llm", idempotencyKey: "slow", actualCostUsd: "1" })).rejects.toMatchObject({ code: "quota_unavailable" });
    const spooled = await open.tg.record({ tenantId, resource: "llm", idempotencyKey: "slow-open", actualCostUsd: "2" });
    expect(spooled).toMatchObject({ allowed: true, costRecordId: "spooled" });
    await blocker.query("ROLLBACK");
    blocker.release();
    expect(await open.tg.replaySpool()).toBe(1);
    expect(await totals(tenantId)).toEqual({ n: 2, total: "3.0000000000", reconciled: [] });
    await closed.pool.end();
    await open.pool.end();
  });
});
