// Group commit's own paths (ADR 0004), with batches formed on purpose: a "pacer" request goes
// first (a batch of one, in flight), and everything submitted while it runs waits for the next
// batch, together. `inFlight: 1` keeps that deterministic.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import type { BatchReport } from "./decider.ts";
import { createTollgate, type ReserveDecision } from "./index.ts";
import { createQuota, createTenant, usageOf } from "./test/fixtures.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

function batched() {
  const batches: BatchReport[] = [];
  const tg = createTollgate({ pool: t.pool, groupCommit: { inFlight: 1, onBatch: (r) => batches.push(r) } });
  return { tg, batches };
}

const reserve = (tenantId: string, key: string, usd: string, userId?: string) =>
  ({ tenantId, userId, resource: "llm" as const, idempotencyKey: key, estimatedCostUsd: usd });

function held(d: ReserveDecision): string {
  if (!d.allowed) throw new Error(`expected allowed, got ${JSON.stringify(d.denial)}`);
  return d.reservationId;
}

async function expectReconciled(tg: ReturnType<typeof createTollgate>) {
  expect((await tg.reconcile()).mismatches).toEqual([]);
}

describe("one batch of mixed reserves and settles", () => {
  it("decides in arrival order in one transaction: settles free budget for later reserves of the same batch", async () => {
    const tenantId = await createTenant(t.pool, "gc-mixed");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const { tg, batches } = batched();
    const a = held(await tg.reserve(reserve(tenantId, "a", "6")));
    const b = held(await tg.reserve(reserve(tenantId, "b", "4")));
    batches.length = 0;

    const pacer = tg.reserve(reserve(tenantId, "pacer", "0"));
    // One batch: settle a at $1 (frees $5), then c ($5) fits; d ($0.01) no longer does.
    const [sa, c, d] = await Promise.all([
      tg.settle(a, { actualCostUsd: "1" }),
      tg.reserve(reserve(tenantId, "c", "5")),
      tg.reserve(reserve(tenantId, "d", "0.01")),
      pacer,
    ]);
    expect(batches.map((x) => [x.size, x.outcome])).toEqual([[1, "committed"], [3, "committed"]]);
    expect(sa).toMatchObject({ status: "settled", replay: false, late: false });
    expect(sa.actualCostUsd.toFixed(2)).toBe("1.00");
    expect(c.allowed).toBe(true);
    expect(d).toMatchObject({ allowed: false, denial: { scope: "tenant", remainingUsd: expect.anything() } });
    if (!d.allowed) expect(d.denial.remainingUsd.toFixed(2)).toBe("0.00");
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "1.0000000000", reserved: "9.0000000000" });

    await tg.settle(b, { actualCostUsd: "4" });
    await tg.settle(held(c), { actualCostUsd: "2.5" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "7.5000000000", reserved: "0.0000000000" });
    await expectReconciled(tg);
  });

  it("the same key twice and the same settle twice in one batch: one hold, one record, the second of each replays", async () => {
    const tenantId = await createTenant(t.pool, "gc-dup");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const { tg, batches } = batched();
    const x = held(await tg.reserve(reserve(tenantId, "x", "2")));
    batches.length = 0;
    const pacer = tg.reserve(reserve(tenantId, "pacer", "0"));
    const [r1, r2, s1, s2] = await Promise.all([
      tg.reserve(reserve(tenantId, "k", "3")),
      tg.reserve(reserve(tenantId, "k", "3")),
      tg.settle(x, { actualCostUsd: "1.5" }),
      tg.settle(x, { actualCostUsd: "1.5" }),
      pacer,
    ]);
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"], [4, "committed"]]);
    expect(r1).toMatchObject({ allowed: true, replay: false });
    expect(r2).toMatchObject({ allowed: true, replay: true, reservationId: held(r1) });
    expect(s1).toMatchObject({ replay: false });
    expect(s2).toMatchObject({ replay: true, costRecordId: s1.costRecordId, warnings: [] });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "1.5000000000", reserved: "3.0000000000" });
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM cost_records WHERE reservation_id = $1`, [x]);
    expect(rows[0].n).toBe(1);
    await expectReconciled(tg);
  });
});

describe("the first settle of an id in a batch decides it", () => {
  it("when it cannot be priced, a later settle of the same id in the batch gets the same error and nothing is written", async () => {
    const tenantId = await createTenant(t.pool, "gc-first-decides");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const { tg, batches } = batched();
    const r = held(await tg.reserve(reserve(tenantId, "r", "2"))); // no model: tokens cannot price it
    batches.length = 0;
    const pacer = tg.reserve(reserve(tenantId, "pacer", "0"));
    await new Promise((r) => setImmediate(r)); // a reserve prices first: let the pacer be submitted before the settles
    const [bad, retry] = await Promise.allSettled([
      tg.settle(r, { inputTokens: 10, outputTokens: 10 }),
      tg.settle(r, { actualCostUsd: "1" }),
      pacer,
    ]);
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"], [2, "committed"]]);
    expect(bad).toMatchObject({ status: "rejected", reason: { code: "invalid_request" } });
    expect(retry).toMatchObject({ status: "rejected", reason: { code: "invalid_request" } });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "0.0000000000", reserved: "2.0000000000" });
    const { rows } = await t.pool.query(`SELECT status FROM reservations WHERE id = $1`, [r]);
    expect(rows[0].status).toBe("held");
  });
});

describe("a batch that cannot commit together", () => {
  it("an unknown tenant fails alone: the batch is decided one by one and the others are allowed", async () => {
    const tenantId = await createTenant(t.pool, "gc-unknown");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const { tg, batches } = batched();
    const pacer = tg.reserve(reserve(tenantId, "pacer", "0"));
    const results = await Promise.allSettled([
      tg.reserve(reserve(tenantId, "ok1", "1")),
      tg.reserve(reserve("00000000-0000-4000-8000-000000000000", "ghost", "1")),
      tg.reserve(reserve(tenantId, "ok2", "2")),
      pacer,
    ]);
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"], [3, "singly"]]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "not_found" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "3.0000000000" });
    await expectReconciled(tg);
  });

  it("a reservation settled elsewhere since this process made it: the settle replays the other's record", async () => {
    const tenantId = await createTenant(t.pool, "gc-elsewhere");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const { tg, batches } = batched();
    const other = createTollgate({ pool: t.pool, groupCommit: false });
    const r = held(await tg.reserve(reserve(tenantId, "r", "2")));
    const first = await other.settle(r, { actualCostUsd: "1.25" });
    batches.length = 0;
    const again = await tg.settle(r, { actualCostUsd: "1.25" });
    expect(batches.map((b) => b.outcome)).toEqual(["singly"]);
    expect(again).toMatchObject({ replay: true, costRecordId: first.costRecordId });
    expect(again.actualCostUsd.toFixed(2)).toBe("1.25");

    const released = held(await tg.reserve(reserve(tenantId, "rel", "1")));
    await other.release(released);
    await expect(tg.settle(released, { actualCostUsd: "1" })).rejects.toMatchObject({ code: "conflict" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "1.2500000000", reserved: "0.0000000000" });
    await expectReconciled(tg);
  });

  it("a settle by an instance that did not reserve reads the reservation first and settles in the batch", async () => {
    const tenantId = await createTenant(t.pool, "gc-read");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const maker = createTollgate({ pool: t.pool });
    const { tg, batches } = batched();
    const r = held(await maker.reserve(reserve(tenantId, "r", "2")));
    const s = await tg.settle(r, { actualCostUsd: "0.75" });
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"]]);
    expect(s).toMatchObject({ replay: false, late: false });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ spent: "0.7500000000", reserved: "0.0000000000" });
  });
});

describe("usage rows that do not exist yet", () => {
  it("a quota created while the process runs is enforced from its next batch (rows created, batch run again)", async () => {
    const tenantId = await createTenant(t.pool, "gc-new-quota");
    await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
    const { tg, batches } = batched();
    held(await tg.reserve(reserve(tenantId, "before", "3", "ann")));
    expect(batches.at(-1)).toMatchObject({ attempts: 2, outcome: "committed" }); // the tenant's first use this period
    held(await tg.reserve(reserve(tenantId, "again", "1", "ann")));
    expect(batches.at(-1)).toMatchObject({ attempts: 1, outcome: "committed" });

    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "ann", limit: "5", period: "day" });
    const over = await tg.reserve(reserve(tenantId, "over", "2", "ann"));
    expect(batches.at(-1)).toMatchObject({ attempts: 2, outcome: "committed" });
    // The new day quota starts from today's recorded spend (none: only holds), so $2 fits...
    expect(over.allowed).toBe(true);
    const denied = await tg.reserve(reserve(tenantId, "too-much", "3.5", "ann"));
    expect(denied).toMatchObject({ allowed: false, denial: { scope: "user", scopeId: "ann" } });
    expect(await usageOf(t.pool, userQuota)).toMatchObject({ spent: "0.0000000000", reserved: "2.0000000000" });
  });
});

describe("the same key from two processes' batches at once", () => {
  it("20 rounds: one hold per key, every answer names it, the ledger reconciles", async () => {
    const tenantId = await createTenant(t.pool, "gc-race");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1000" });
    const a = createTollgate({ pool: t.pool });
    const b = createTollgate({ pool: t.pool });
    for (let i = 0; i < 20; i++) {
      const rs = await Promise.all([a, b, a, b].map((tg) => tg.reserve(reserve(tenantId, `race-${i}`, "1"))));
      expect(new Set(rs.map(held)).size).toBe(1);
      expect(rs.filter((r) => r.allowed && !r.replay)).toHaveLength(1);
    }
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "20.0000000000" });
    await expectReconciled(a);
  });
});

describe("parameters bound, never pasted into SQL", () => {
  it("keys and labels with quotes, backslashes, braces, commas and the word NULL are stored exactly", async () => {
    const tenantId = await createTenant(t.pool, "gc-literals");
    const { tg } = batched();
    const odd = [`it's "quoted"`, String.raw`back\slash\\`, "{braces},commas", "NULL", "ünïcode ✓", "  spaced  ", ""];
    const rs = await Promise.all(
      odd.map((s, i) =>
        tg.reserve({ tenantId, userId: s || null, resource: "llm", idempotencyKey: `key ${i} ${s}`, estimatedCostUsd: "0.5", touchpoint: s, conversationId: s, model: s } as never),
      ),
    );
    await Promise.all(rs.map((r) => tg.settle(held(r), { actualCostUsd: "0.25" })));
    const { rows } = await t.pool.query(
      `SELECT r.idempotency_key AS key, r.user_id, r.touchpoint, r.conversation_id, c.touchpoint AS cost_touchpoint, c.user_id AS cost_user
         FROM reservations r JOIN cost_records c ON c.reservation_id = r.id WHERE r.tenant_id = $1 ORDER BY r.created_at, r.idempotency_key`,
      [tenantId],
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    odd.forEach((s, i) => {
      expect(byKey.get(`key ${i} ${s}`)).toEqual({ key: `key ${i} ${s}`, user_id: s || null, touchpoint: s, conversation_id: s, cost_touchpoint: s, cost_user: s || null });
    });
  });
});

describe("reconcile()", () => {
  it("names exactly the usage rows whose spent or reserved disagree with the ledger, at every scope", async () => {
    const tenantId = await createTenant(t.pool, "gc-reconcile");
    const platform = await createQuota(t.pool, { scope: "platform", resource: "all", period: "day", limit: "100000" });
    const tenantQuota = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
    const userQuota = await createQuota(t.pool, { scope: "user", tenantId, userId: "rita", limit: "100" });
    const { tg } = batched();
    try {
      const a = held(await tg.reserve(reserve(tenantId, "a", "2", "rita")));
      held(await tg.reserve(reserve(tenantId, "b", "3", "rita")));
      await tg.settle(a, { actualCostUsd: "1.5" });
      expect((await tg.reconcile()).mismatches).toEqual([]);

      // Tamper: the user row's spent and the tenant row's reserved drift from the ledger.
      await t.pool.query(`UPDATE quota_usage SET spent_usd = spent_usd + 0.01 WHERE quota_id = $1`, [userQuota]);
      await t.pool.query(`UPDATE quota_usage SET reserved_usd = reserved_usd - 1 WHERE quota_id = $1`, [tenantQuota]);
      const { mismatches } = await tg.reconcile();
      expect(mismatches.map((m) => [m.quotaId, m.spentUsd, m.recordedUsd, m.reservedUsd, m.heldUsd]).sort()).toEqual(
        [
          [tenantQuota, "1.5000000000", "1.5000000000", "2.0000000000", "3.0000000000"],
          [userQuota, "1.5100000000", "1.5000000000", "3.0000000000", "3.0000000000"],
        ].sort(),
      );
    } finally {
      await t.pool.query(`UPDATE quota_usage SET spent_usd = spent_usd - 0.01 WHERE quota_id = $1`, [userQuota]);
      await t.pool.query(`UPDATE quota_usage SET reserved_usd = reserved_usd + 1 WHERE quota_id = $1`, [tenantQuota]);
      await t.pool.query(`DELETE FROM quotas WHERE id = $1`, [platform]);
    }
  });
});
