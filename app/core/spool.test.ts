// The fail-open spool against the real database: replay entry by entry (a poisoned entry goes
// to the dead letters, the rest is applied), quarantine of torn lines, progress kept across a
// connection lost mid-replay, a real full disk, adoption by lock rather than PID, tenants and
// the reserved key prefix. The outage end to end is in spool-chaos.test.ts.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import { createTollgate, TollgateError } from "./index.ts";
import type { LedgerContext } from "./ledger.ts";
import { readDeadLetters, Spool } from "./spool.ts";
import { SpoolWriteError } from "./spool-file.ts";
import { createQuota, createTenant } from "./test/fixtures.ts";
import type { Hooks } from "./types.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const ctxOf = (hooks: Hooks = {}): LedgerContext => ({ pool: t.pool, clock: () => new Date(), hooks, enforce: () => true, defaultTtlSeconds: 900 });
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-spool-"));
const now = new Date();

/** A record entry line as a spool writes it. */
function recordLine(tenantId: string, key: string, cost: string, extra: Record<string, unknown> = {}) {
  const req = { tenantId, resource: "llm", idempotencyKey: key, actualCostUsd: cost, ...extra, occurredAt: now.toISOString(), spooledBackfill: false };
  return JSON.stringify({ t: "record", req });
}

/** Files a spool left behind; lockAgeMs: it held a lock last refreshed that long ago (it died). */
function leaveSpoolFile(dir: string, name: string, text: string, lockAgeMs?: number) {
  fs.writeFileSync(path.join(dir, name), text);
  if (lockAgeMs !== undefined) {
    const lock = path.join(dir, `${/^spool-(\d+-[0-9a-f]+)/.exec(name)![1]}.lock`.replace(/^/, "spool-"));
    fs.mkdirSync(lock, { recursive: true });
    const then = new Date(Date.now() - lockAgeMs);
    fs.utimesSync(lock, then, then);
  }
}

async function costs(tenantId: string) {
  const { rows } = await t.pool.query(
    `SELECT count(*)::int AS n, coalesce(sum(cost_usd), 0)::text AS total FROM cost_records WHERE tenant_id = $1`,
    [tenantId],
  );
  return rows[0] as { n: number; total: string };
}

const spoolFiles = (dir: string) => fs.readdirSync(dir).filter((n) => /^spool-.*\.jsonl/.test(n));

describe("replay entry by entry", () => {
  it("a poisoned entry goes to the dead letters with its reason; the valid $1.25 behind it is applied once", async () => {
    const tenantId = await createTenant(t.pool, "poison");
    const dir = tempDir();
    // Written by a spool in a previous life that shut down (its lock given back on exit).
    leaveSpoolFile(dir, "spool-4242-00000badf00d.jsonl", [recordLine(tenantId, "nul", "9", { userId: "a\u0000b" }), recordLine(tenantId, "ok", "1.25")].join("\n") + "\n");
    const spool = new Spool(dir);
    expect(spool.backlog()).toBe(2);

    expect(await spool.replay(ctxOf())).toEqual({ applied: 1, duplicates: 0, deadLettered: 1, quarantined: 0 });
    expect(await costs(tenantId)).toEqual({ n: 1, total: "1.2500000000" });
    const dead = readDeadLetters(dir);
    expect(dead.deadLetters).toBe(1);
    expect(dead.recent[0]).toMatchObject({
      kind: "record", tenantId, source: "spool-4242-00000badf00d.jsonl",
      reason: { code: "22021", message: expect.stringContaining("0x00") }, // the NUL byte PostgreSQL refused
      entry: { t: "record", req: { idempotencyKey: "nul", userId: "a\u0000b" } },
    });
    expect(spool.backlog()).toBe(0);
    expect(await spool.replay(ctxOf())).toEqual({ applied: 0, duplicates: 0, deadLettered: 0, quarantined: 0 });
    expect(spoolFiles(dir)).toEqual([]);
    const [deadFile] = fs.readdirSync(dir).filter((n) => n.startsWith("dead-"));
    expect(fs.statSync(path.join(dir, deadFile)).mode & 0o777).toBe(0o600); // it names tenants and users
    spool.close();
  });

  it("torn and unparsable lines are quarantined as unparsable, never thrown; no file is stranded", async () => {
    const tenantId = await createTenant(t.pool, "torn");
    const dir = tempDir();
    const torn = recordLine(tenantId, "torn", "7").slice(0, 40); // a write cut off by a crash: no newline
    leaveSpoolFile(dir, "spool-4243-00000badf00d.replaying.jsonl", [recordLine(tenantId, "a", "2"), "not json", '{"t":"settle"}', torn].join("\n"));
    const spool = new Spool(dir);
    expect(await spool.replay(ctxOf())).toEqual({ applied: 1, duplicates: 0, deadLettered: 0, quarantined: 3 });
    expect(await costs(tenantId)).toEqual({ n: 1, total: "2.0000000000" });
    const dead = readDeadLetters(dir).recent;
    expect(dead.map((d) => [d.kind, d.reason.code, d.raw])).toEqual(
      expect.arrayContaining([
        ["unparsable", "unparsable", "not json"],
        ["unparsable", "unparsable", '{"t":"settle"}'],
        ["unparsable", "unparsable", torn],
      ]),
    );
    expect(dead.find((d) => d.raw === '{"t":"settle"}')?.reason.message).toMatch(/^not a spool entry: id /);
    expect(spoolFiles(dir)).toEqual([]);
    spool.close();
  });

  it("a connection lost mid-replay stops it; the rest is kept and applied later, nothing applied twice", async () => {
    const tenantId = await createTenant(t.pool, "midway");
    await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100", thresholds: [50] });
    const dir = tempDir();
    const spool = new Spool(dir);
    for (const [key, cost] of [["m1", "10"], ["m2", "45"], ["m3", "0.5"]]) {
      await spool.record({ tenantId, resource: "llm", idempotencyKey: key, actualCostUsd: cost }, now);
    }
    // The second entry crosses 50%: its transaction's hook kills its own connection (57P01).
    let killed = 0;
    const killer: Hooks = {
      onQuotaWarning: async (_e, tx) => {
        if (killed++ === 0) await tx("SELECT pg_terminate_backend(pg_backend_pid())");
      },
    };
    const first = await spool.replay(ctxOf(killer));
    expect(killed).toBe(1); // the fault happened
    expect(first).toMatchObject({ applied: 1, duplicates: 0, deadLettered: 0, quarantined: 0, stoppedBy: { code: "quota_unavailable" } });
    expect(await costs(tenantId)).toEqual({ n: 1, total: "10.0000000000" });
    expect(spool.backlog()).toBe(2);
    const [segment] = spoolFiles(dir);
    expect(fs.readFileSync(path.join(dir, segment), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).req.idempotencyKey)).toEqual(["m2", "m3"]);

    expect(await spool.replay(ctxOf(killer))).toEqual({ applied: 2, duplicates: 0, deadLettered: 0, quarantined: 0 });
    expect(await costs(tenantId)).toEqual({ n: 3, total: "55.5000000000" });
    expect(spool.backlog()).toBe(0);
    spool.close();
  });
});

describe("a full disk", () => {
  const mnt = path.join(os.tmpdir(), `tollgate-spool-full-${process.pid}`);
  let mounted = false;
  beforeAll(() => {
    fs.mkdirSync(mnt, { recursive: true });
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { stdio: "ignore" });
      mounted = true;
    } catch {
      // Not root or no tmpfs: the test below says so by being skipped.
    }
  });
  afterAll(() => {
    if (mounted) execFileSync("umount", [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });

  it("a write that does not fit is rolled back and answered quota_unavailable; what was acknowledged is applied", async (test) => {
    if (!mounted) test.skip("cannot mount a 64 KiB tmpfs here");
    const tenantId = await createTenant(t.pool, "full");
    const spool = new Spool(path.join(mnt, "spool"));
    await spool.record({ tenantId, resource: "llm", idempotencyKey: "before", actualCostUsd: "0.5" }, now);
    const file = fs.readdirSync(path.join(mnt, "spool")).find((n) => n.endsWith(".jsonl"))!;
    const sizeBefore = fs.statSync(path.join(mnt, "spool", file)).size;
    // Fill the file system.
    const filler = path.join(mnt, "filler");
    expect(() => fs.writeFileSync(filler, Buffer.alloc(128 * 1024))).toThrow(expect.objectContaining({ code: "ENOSPC" }));

    const err = await spool
      .record({ tenantId, resource: "llm", idempotencyKey: "big", actualCostUsd: "3", conversationId: "x".repeat(20_000) }, now)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TollgateError);
    const cause = (err as { cause: SpoolWriteError }).cause;
    expect(cause).toBeInstanceOf(SpoolWriteError);
    expect(cause.code).toBe("ENOSPC"); // the fault happened
    expect(cause.rolledBack).toBe(true);
    expect(err).toMatchObject({ code: "quota_unavailable" });
    expect(fs.statSync(path.join(mnt, "spool", file)).size).toBe(sizeBefore);
    expect(spool.backlog()).toBe(1);

    fs.rmSync(filler);
    await spool.record({ tenantId, resource: "llm", idempotencyKey: "after", actualCostUsd: "0.75" }, now);
    expect(await spool.replay(ctxOf())).toEqual({ applied: 2, duplicates: 0, deadLettered: 0, quarantined: 0 });
    expect(await costs(tenantId)).toEqual({ n: 2, total: "1.2500000000" });
    spool.close();
  });
});

describe("adoption by lock, not PID", () => {
  it("a dead spool's file carrying our own PID is adopted; a live spool's file is not, even with our PID", async () => {
    const tenantId = await createTenant(t.pool, "adopt");
    const dir = tempDir();
    const live = new Spool(dir); // another live spool in this directory, same PID as well
    await live.record({ tenantId, resource: "llm", idempotencyKey: "live-1", actualCostUsd: "4" }, now);
    // A restarted container: the spool that died had the PID we have now; its lock is stale.
    leaveSpoolFile(dir, `spool-${process.pid}-00000000dead.jsonl`, recordLine(tenantId, "dead-1", "3") + "\n", 60_000);

    const spool = new Spool(dir);
    expect(spool.backlog()).toBe(1); // adopted the dead one only
    expect(live.backlog()).toBe(1);
    expect(await spool.replay(ctxOf())).toMatchObject({ applied: 1 });
    expect(await costs(tenantId)).toEqual({ n: 1, total: "3.0000000000" });
    // Replaying again (another tick) still leaves the live spool's file alone.
    expect(await spool.replay(ctxOf())).toMatchObject({ applied: 0 });
    expect(live.backlog()).toBe(1);

    expect(await live.replay(ctxOf())).toMatchObject({ applied: 1 });
    expect(await costs(tenantId)).toEqual({ n: 2, total: "7.0000000000" });
    spool.close();
    live.close();
  });

  it("files of an earlier version (no lock) are adopted once their PID is gone or is ours, not while it runs", async () => {
    const tenantId = await createTenant(t.pool, "legacy");
    const dir = tempDir();
    leaveSpoolFile(dir, `spool-${process.ppid}-0000beef.jsonl`, recordLine(tenantId, "running", "1") + "\n"); // a live process
    leaveSpoolFile(dir, `spool-${process.pid}-0000cafe.replaying.jsonl`, recordLine(tenantId, "mine", "2") + "\n");
    const spool = new Spool(dir);
    expect(await spool.replay(ctxOf())).toMatchObject({ applied: 1, deadLettered: 0, quarantined: 0 });
    expect(await costs(tenantId)).toEqual({ n: 1, total: "2.0000000000" });
    expect(spoolFiles(dir)).toEqual([`spool-${process.ppid}-0000beef.jsonl`]);
    spool.close();
  });

  it("a spool that stalled and lost its lock to an adopter continues in a new file, not in the adopted one", async () => {
    const tenantId = await createTenant(t.pool, "stalled");
    const dir = tempDir();
    const stalled = new Spool(dir);
    await stalled.record({ tenantId, resource: "llm", idempotencyKey: "s1", actualCostUsd: "1" }, now);
    // Its lock looks a minute old, as after a long event-loop stall.
    const [lock] = fs.readdirSync(dir).filter((n) => n.endsWith(".lock"));
    const minuteAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, lock), minuteAgo, minuteAgo);
    const adopter = new Spool(dir);
    expect([adopter.backlog(), spoolFiles(dir).length]).toEqual([1, 1]); // the fault happened: its file is the adopter's now
    await stalled.record({ tenantId, resource: "llm", idempotencyKey: "s2", actualCostUsd: "2" }, now);
    expect(adopter.backlog()).toBe(1);
    expect(await adopter.replay(ctxOf())).toMatchObject({ applied: 1 });
    expect(await stalled.replay(ctxOf())).toMatchObject({ applied: 1 });
    expect(await costs(tenantId)).toEqual({ n: 2, total: "3.0000000000" });
    expect(spoolFiles(dir)).toEqual([]);
    stalled.close();
    adopter.close();
  });

  it("a spool that shut down gives its lock back: the next one adopts its entries and open holds at once", async () => {
    const tenantId = await createTenant(t.pool, "handover");
    const dir = tempDir();
    const before = new Spool(dir);
    const hold = await before.reserve({ tenantId, resource: "llm", idempotencyKey: "h", estimatedCostUsd: "5" }, 900, now);
    const open = await before.reserve({ tenantId, resource: "llm", idempotencyKey: "o", estimatedCostUsd: "1" }, 900, now);
    before.close();
    const after = new Spool(dir);
    if (!hold.allowed || !open.allowed) throw new Error("expected allowed");
    expect(after.isSpooled(hold.reservationId)).toBe(true);
    await after.settle(hold.reservationId, { actualCostUsd: "4.5" }, now);
    expect(await after.replay(ctxOf())).toMatchObject({ applied: 1 });
    expect(await costs(tenantId)).toEqual({ n: 1, total: "4.5000000000" });
    // Only the hold still open is left; it goes when it expires unsettled (costing nothing).
    expect([after.backlog(), after.isSpooled(open.reservationId), after.isSpooled(hold.reservationId)]).toEqual([1, true, false]);
    expect(await after.replay({ ...ctxOf(), clock: () => new Date(Date.now() + 3_600_000) })).toMatchObject({ applied: 0, deadLettered: 0 });
    expect([after.backlog(), after.isSpooled(open.reservationId)]).toEqual([0, false]);
    expect(spoolFiles(dir)).toEqual([]);
    const { rows } = await t.pool.query(`SELECT idempotency_key FROM cost_records WHERE tenant_id = $1`, [tenantId]);
    expect(rows[0].idempotency_key).toBe(`spool:hold:${hold.reservationId}`);
    after.close();
  });
});

describe("tenants", () => {
  it("a settle spooled for tenant B is not applied to tenant A's reservation; a deleted tenant's record is a dead letter", async () => {
    const a = await createTenant(t.pool, "tenant-a");
    const b = await createTenant(t.pool, "tenant-b");
    const gone = await createTenant(t.pool, "tenant-gone");
    const tg = createTollgate({ pool: t.pool });
    const held = await tg.reserve({ tenantId: a, resource: "llm", idempotencyKey: "a1", estimatedCostUsd: "2" });
    if (!held.allowed) throw new Error("expected allowed");
    const dir = tempDir();
    const spool = new Spool(dir);
    await spool.settleLater(held.reservationId, { actualCostUsd: "1" }, now, b);
    await spool.record({ tenantId: gone, resource: "llm", idempotencyKey: "g1", actualCostUsd: "6" }, now);
    await t.pool.query(`DELETE FROM tenants WHERE id = $1`, [gone]);
    // A spooled hold of A cannot be settled or released by a caller bound to B.
    const spooledHold = await spool.reserve({ tenantId: a, resource: "llm", idempotencyKey: "a2", estimatedCostUsd: "1" }, 900, now);
    if (!spooledHold.allowed) throw new Error("expected allowed");
    await expect(spool.settle(spooledHold.reservationId, { actualCostUsd: "1" }, now, b)).rejects.toMatchObject({ code: "not_found" });
    await expect(spool.release(spooledHold.reservationId, b)).rejects.toMatchObject({ code: "not_found" });
    await spool.settle(spooledHold.reservationId, { actualCostUsd: "0.25" }, now, a);

    expect(await spool.replay(ctxOf())).toEqual({ applied: 1, duplicates: 0, deadLettered: 2, quarantined: 0 });
    expect(await costs(a)).toEqual({ n: 1, total: "0.2500000000" });
    expect(await costs(b)).toEqual({ n: 0, total: "0" });
    const { rows } = await t.pool.query(`SELECT status FROM reservations WHERE id = $1`, [held.reservationId]);
    expect(rows[0].status).toBe("held");
    const dead = readDeadLetters(dir).recent.map((d) => ({ kind: d.kind, tenantId: d.tenantId, code: d.reason.code }));
    expect(dead).toEqual(
      expect.arrayContaining([
        { kind: "settle", tenantId: b, code: "tenant_mismatch" },
        { kind: "record", tenantId: gone, code: "not_found" },
      ]),
    );
    expect(dead).toHaveLength(2);
    spool.close();
  });
});

describe("the spool's key namespace", () => {
  it("client record keys cannot start with spool: (the spool's own keys), online or spooled; nothing is written", async () => {
    const tenantId = await createTenant(t.pool, "namespace");
    const tg = createTollgate({ pool: t.pool });
    const req = { tenantId, resource: "llm" as const, idempotencyKey: "spool:hold:00000000-0000-0000-0000-000000000000", actualCostUsd: "1" };
    await expect(tg.record(req)).rejects.toMatchObject({ code: "invalid_request", issues: [{ path: "idempotencyKey", message: 'must not start with "spool:"' }] });
    const spool = new Spool(tempDir());
    await expect(spool.record(req, now)).rejects.toMatchObject({ code: "invalid_request" });
    expect(spool.backlog()).toBe(0);
    expect(await costs(tenantId)).toEqual({ n: 0, total: "0" });
    // A key that merely contains it is the client's own.
    expect(await tg.record({ ...req, idempotencyKey: "my-spool:1" })).toMatchObject({ allowed: true, replay: false });
    spool.close();
  });
});
