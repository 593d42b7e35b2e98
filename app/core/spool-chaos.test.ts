// Spool chaos, against a PostgreSQL this file stops and starts and a spool directory on a real
// 256 KiB tmpfs: a spool file from a previous life carrying our PID (a poisoned NUL entry, an
// entry for a tenant deleted before replay, a torn last line), a write refused by the full
// disk, and a second live instance sharing the directory. Every valid entry is applied exactly
// once (exact USD, quota usage, reconcile clean); every bad one is a dead letter with its reason.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPool } from "../db/client.server.ts";
import { disposablePostgres, type DisposablePostgres } from "../db/test/disposable-postgres.ts";
import { createTollgate, TollgateError } from "./index.ts";
import { readDeadLetters } from "./spool.ts";
import { createQuota, createTenant, usageOf } from "./test/fixtures.ts";

let pg: DisposablePostgres;
let mnt: string;
let mounted = false;

beforeAll(async () => {
  pg = await disposablePostgres("spoolchaos");
  mnt = path.join(pg.dir, "spool-fs");
  fs.mkdirSync(mnt);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], { stdio: "ignore" });
    mounted = true;
  } catch {
    // Not root or no tmpfs: the test is skipped and says why.
  }
}, 120_000);

afterAll(async () => {
  if (mounted) execFileSync("umount", [mnt]);
  await pg?.destroy();
});

function tollgate(spoolDir: string) {
  const pool = createPool(pg.url, 4);
  (pool.options as { connectionTimeoutMillis?: number }).connectionTimeoutMillis = 1000;
  return { pool, tg: createTollgate({ pool, failMode: "open", spoolDir }) };
}

const line = (tenantId: string, key: string, cost: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ t: "record", req: { tenantId, resource: "llm", idempotencyKey: key, actualCostUsd: cost, ...extra, occurredAt: new Date().toISOString(), spooledBackfill: false } });

it("poison, a deleted tenant, a torn line, a full disk, a restart with the same PID, two instances: exactly once, the rest dead-lettered", async (test) => {
  if (!mounted) test.skip("cannot mount a tmpfs here (needs root)");
  const admin = createPool(pg.url, 2);
  const tenantId = await createTenant(admin, "chaos");
  const quotaId = await createQuota(admin, { scope: "tenant", tenantId, limit: "100" });
  const goneId = await createTenant(admin, "chaos-gone");
  const dir = path.join(mnt, "spool");

  const b = tollgate(dir); // another live instance sharing the directory
  // The previous life of this container: same PID, lock not refreshed for a minute (it died).
  const orphan = `spool-${process.pid}-0000c0ffee00`;
  fs.writeFileSync(
    path.join(dir, `${orphan}.jsonl`),
    [line(tenantId, "prev-ok", "1.25"), line(tenantId, "prev-nul", "9", { userId: "a\u0000b" }), line(goneId, "prev-gone", "6"), line(tenantId, "prev-torn", "7").slice(0, 50)].join("\n"),
  );
  fs.mkdirSync(path.join(dir, `${orphan}.lock`));
  const minuteAgo = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(dir, `${orphan}.lock`), minuteAgo, minuteAgo);
  const a = tollgate(dir);
  expect(a.tg.spoolBacklog()).toBe(4); // adopted despite our PID being alive
  expect(b.tg.spoolBacklog()).toBe(0);

  const realHold = await a.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "real", estimatedCostUsd: "2" });
  if (!realHold.allowed) throw new Error("expected allowed");

  await pg.stop();
  await expect(a.pool.query("SELECT 1")).rejects.toThrow(); // the outage happened
  expect(await a.tg.record({ tenantId, resource: "llm", idempotencyKey: "down-1", actualCostUsd: "2" })).toMatchObject({ costRecordId: "spooled" });
  const spooledHold = await a.tg.reserve({ tenantId, resource: "llm", idempotencyKey: "down-hold", estimatedCostUsd: "3" });
  if (!spooledHold.allowed) throw new Error("expected allowed");
  await a.tg.settle(spooledHold.reservationId, { actualCostUsd: "2.75" }, { tenantId });
  await a.tg.settle(realHold.reservationId, { actualCostUsd: "1.5" }, { tenantId });
  await b.tg.record({ tenantId, resource: "llm", idempotencyKey: "b-1", actualCostUsd: "0.5" });

  // The disk fills up: the write is refused (503 at the API), not acknowledged and lost.
  const filler = path.join(mnt, "filler");
  expect(() => fs.writeFileSync(filler, Buffer.alloc(512 * 1024))).toThrow(expect.objectContaining({ code: "ENOSPC" }));
  const full = await a.tg
    // Larger than a page (a full tmpfs still takes what fits in the file's last page): four
    // ids at the core's 500-character limit, of 3-byte characters, are ~6 KB on disk.
    .record({ tenantId, resource: "llm", idempotencyKey: "down-full", actualCostUsd: "50", ...Object.fromEntries(["userId", "touchpoint", "conversationId", "taskId"].map((k) => [k, "€".repeat(500)])) })
    .catch((e: unknown) => e);
  expect((full as { cause?: { code?: string } }).cause?.code).toBe("ENOSPC"); // the fault happened
  expect(full).toBeInstanceOf(TollgateError);
  expect(full).toMatchObject({ code: "quota_unavailable" });
  fs.rmSync(filler);
  await a.tg.record({ tenantId, resource: "llm", idempotencyKey: "down-2", actualCostUsd: "0.25" });
  expect(a.tg.spoolBacklog()).toBe(9);

  await expect(a.tg.replaySpool()).rejects.toMatchObject({ code: "quota_unavailable" }); // still down: kept
  expect(a.tg.spoolBacklog()).toBe(9);

  await pg.start();
  await admin.query(`DELETE FROM tenants WHERE id = $1`, [goneId]);
  // prev-ok, down-1, the spooled hold's settle, the real hold's settle, down-2.
  expect(await a.tg.replaySpool()).toBe(5);
  expect(a.tg.spoolStatus()).toMatchObject({ backlog: 0, deadLetters: 3 });
  expect(b.tg.spoolBacklog()).toBe(1); // its file is its own
  expect(await b.tg.replaySpool()).toBe(1);
  expect(await a.tg.replaySpool()).toBe(0);

  const { rows } = await admin.query(
    `SELECT idempotency_key AS key, cost_usd::text AS usd FROM cost_records WHERE tenant_id = $1 ORDER BY cost_usd`,
    [tenantId],
  );
  expect(rows).toEqual([
    { key: "down-2", usd: "0.2500000000" },
    { key: "b-1", usd: "0.5000000000" },
    { key: "prev-ok", usd: "1.2500000000" },
    { key: null, usd: "1.5000000000" }, // the real hold (a settle carries the reservation, not a key)
    { key: "down-1", usd: "2.0000000000" },
    { key: `spool:hold:${spooledHold.reservationId}`, usd: "2.7500000000" },
  ]);
  expect(await usageOf(admin, quotaId)).toMatchObject({ spent: "8.2500000000", reserved: "0.0000000000" });
  expect((await createTollgate({ pool: admin }).reconcile()).mismatches).toEqual([]);

  const dead = readDeadLetters(dir).recent.map((d) => ({ kind: d.kind, source: d.source, code: d.reason.code, key: d.entry?.t === "record" ? d.entry.req.idempotencyKey : d.raw }));
  expect(dead).toEqual(
    expect.arrayContaining([
      { kind: "record", source: `${orphan}.jsonl`, code: "22021", key: "prev-nul" },
      { kind: "record", source: `${orphan}.jsonl`, code: "not_found", key: "prev-gone" },
      { kind: "unparsable", source: `${orphan}.jsonl`, code: "unparsable", key: line(tenantId, "prev-torn", "7").slice(0, 50) },
    ]),
  );
  expect(dead).toHaveLength(3);
  expect(fs.readdirSync(dir).filter((n) => n.startsWith("spool-") && n.endsWith(".jsonl"))).toEqual([]);
  await Promise.all([admin.end(), a.pool.end(), b.pool.end()]);
}, 120_000);
