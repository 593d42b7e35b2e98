// Hostile values through the core itself (library callers have no zod in front): one tenant's
// bytes never change the SQL, another request's fate, or the fail mode's answer (issue #12).
// Before the fix, 30 requests with U+0000 in a field racing 30 clean requests of another tenant
// made 27 of the clean ones answer 503 (closed) or allowed them unchecked and spooled (open).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../db/test/test-database.ts";
import { createDecider, type BatchReport } from "./decider.ts";
import { createTollgate, type ReserveDecision, type ReserveRequest } from "./index.ts";
import { createQuota, createTenant, usageOf } from "./test/fixtures.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const FIELDS = ["userId", "idempotencyKey", "touchpoint", "conversationId", "taskId"] as const;
const NUL_ISSUE = "must not contain control characters (found U+0000)";

function tollgate(mode: "closed" | "open", groupCommit = true) {
  const batches: BatchReport[] = [];
  const tg = createTollgate({
    pool: t.pool,
    failMode: mode,
    spoolDir: mkdtempSync(path.join(os.tmpdir(), "tollgate-hostile-spool-")),
    groupCommit: groupCommit ? { onBatch: (b) => batches.push(b) } : false,
  });
  return { tg, batches };
}

const clean = (tenantId: string, i: number): ReserveRequest => ({
  tenantId, userId: `user-${i % 4}`, touchpoint: "chat", resource: "llm", idempotencyKey: `clean-${i}`, estimatedCostUsd: `${i + 1}.25`,
});
/** Request i of the hostile tenant: U+0000 in one field, the fields in turn. */
function hostile(tenantId: string, i: number): { req: ReserveRequest; field: (typeof FIELDS)[number] } {
  const field = FIELDS[i % FIELDS.length];
  return { field, req: { tenantId, resource: "llm", idempotencyKey: `hostile-${i}`, estimatedCostUsd: "1", [field]: `x\u0000${i}` } as ReserveRequest };
}

const decisionOf = (d: ReserveDecision) =>
  d.allowed ? { allowed: true, replay: d.replay, estimate: d.estimatedCostUsd.toFixed(10), warnings: d.warnings } : { allowed: false };

async function ledgerOf(tenantId: string) {
  const { rows } = await t.pool.query(
    `SELECT (SELECT count(*) FROM reservations WHERE tenant_id = $1)::int AS reservations,
            (SELECT count(*) FROM cost_records WHERE tenant_id = $1)::int AS "costRecords",
            (SELECT coalesce(sum(cost_usd), 0) FROM cost_records WHERE tenant_id = $1)::text AS spent`,
    [tenantId],
  );
  return rows[0];
}

describe("U+0000 in one tenant's fields racing another tenant's clean traffic (group commit)", () => {
  for (const mode of ["closed", "open"] as const) {
    it(`${mode} mode: every clean request is decided as a serial run would; each NUL one is invalid_request naming its field; nothing spooled`, async () => {
      const victim = await createTenant(t.pool, `victim-${mode}`);
      const attacker = await createTenant(t.pool, `attacker-${mode}`);
      const serial = await createTenant(t.pool, `serial-${mode}`);
      const victimQuota = await createQuota(t.pool, { scope: "tenant", tenantId: victim, limit: "1000" });
      await createQuota(t.pool, { scope: "tenant", tenantId: attacker, limit: "1000" });
      await createQuota(t.pool, { scope: "tenant", tenantId: serial, limit: "1000" });
      const { tg, batches } = tollgate(mode);

      // The reference: the same clean requests one at a time.
      const expected = [];
      for (let i = 0; i < 30; i++) expected.push(decisionOf(await tg.reserve(clean(serial, i))));
      batches.length = 0;

      const bad = Array.from({ length: 30 }, (_, i) => hostile(attacker, i));
      const racing = Array.from({ length: 30 }, (_, i) => [tg.reserve(bad[i].req), tg.reserve(clean(victim, i))]).flat();
      const settled = await Promise.allSettled(racing);
      const cleanResults = settled.filter((_, i) => i % 2 === 1);
      const badResults = settled.filter((_, i) => i % 2 === 0);

      expect(cleanResults.map((r) => (r.status === "fulfilled" ? decisionOf(r.value) : r.reason))).toEqual(expected);
      expect(badResults.map((r) => (r.status === "rejected" ? { code: r.reason.code, issues: r.reason.issues } : r.value))).toEqual(
        bad.map((b) => ({ code: "invalid_request", issues: [{ path: b.field, message: NUL_ISSUE }] })),
      );
      // The hostile requests never joined a batch: every batch committed as a whole.
      expect(batches.every((b) => b.outcome === "committed")).toBe(true);
      expect(batches.reduce((n, b) => n + b.size, 0)).toBe(30);

      // Settles race too: the clean ones settle, hostile ids are refused by name.
      const ids = cleanResults.map((r) => (r as PromiseFulfilledResult<ReserveDecision & { allowed: true }>).value.reservationId);
      const settles = await Promise.allSettled(
        ids.flatMap((id, i) => [tg.settle(`${id}\u0000`, { actualCostUsd: "1" }), tg.settle(id, { actualCostUsd: `${i + 1}` })]),
      );
      expect(settles.filter((_, i) => i % 2 === 1).map((s) => s.status)).toEqual(Array(30).fill("fulfilled"));
      expect(settles.filter((_, i) => i % 2 === 0).map((s) => s.status === "rejected" && [s.reason.code, s.reason.issues])).toEqual(
        Array(30).fill(["invalid_request", [{ path: "reservationId", message: NUL_ISSUE }]]),
      );

      expect(tg.spoolBacklog()).toBe(0);
      expect(await usageOf(t.pool, victimQuota)).toMatchObject({ spent: "465.0000000000", reserved: "0.0000000000" });
      expect(await ledgerOf(victim)).toEqual({ reservations: 30, costRecords: 30, spent: "465.0000000000" });
      expect(await ledgerOf(attacker)).toEqual({ reservations: 0, costRecords: 0, spent: "0" });
      expect((await tg.reconcile()).mismatches).toEqual([]);
    });
  }
});

describe("one transaction per decision (groupCommit: false) answers the same, never 500", () => {
  it("reserve, record, settle and release with U+0000 in each field: invalid_request naming it, nothing written", async () => {
    const tenantId = await createTenant(t.pool, "unbatched");
    await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
    const { tg } = tollgate("closed", false);
    for (const [i, field] of FIELDS.entries()) {
      await expect(tg.reserve(hostile(tenantId, i).req)).rejects.toMatchObject({ code: "invalid_request", issues: [{ path: field, message: NUL_ISSUE }] });
      const rec = { tenantId, resource: "llm", idempotencyKey: `rec-${i}`, actualCostUsd: "1", [field]: "\u0000" };
      await expect(tg.record(rec as never)).rejects.toMatchObject({ code: "invalid_request", issues: [{ path: field, message: NUL_ISSUE }] });
    }
    await expect(tg.record({ tenantId, resource: "llm", idempotencyKey: "m", provider: "openai", model: "gpt\u0000", inputTokens: 1, outputTokens: 1 })).rejects.toMatchObject({
      code: "invalid_request",
      issues: [{ path: "model", message: NUL_ISSUE }],
    });
    const held = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "ok", estimatedCostUsd: "1" });
    if (!held.allowed) throw new Error("expected allowed");
    await expect(tg.settle(`${held.reservationId}\u0000`, { actualCostUsd: "1" })).rejects.toMatchObject({ code: "invalid_request", issues: [{ path: "reservationId" }] });
    await expect(tg.release(`\u0000${held.reservationId}`)).rejects.toMatchObject({ code: "invalid_request", issues: [{ path: "reservationId" }] });
    expect(await ledgerOf(tenantId)).toEqual({ reservations: 1, costRecords: 0, spent: "0" });
    expect((await tg.reconcile()).mismatches).toEqual([]);
  });
});

describe("the core's own checks (no schema in front)", () => {
  it("lone surrogates, other control characters, wrong types and absurd lengths are refused by name; emoji and tabs in ids are not the same", async () => {
    const tenantId = await createTenant(t.pool, "chars");
    const { tg } = tollgate("closed");
    const base = { tenantId, resource: "llm" as const, idempotencyKey: "k", estimatedCostUsd: "1" };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ userId: "a\uD800b" }, "userId", "must not contain an unpaired UTF-16 surrogate (found U+D800)"],
      [{ touchpoint: "\uDC00" }, "touchpoint", "must not contain an unpaired UTF-16 surrogate (found U+DC00)"],
      [{ taskId: "a\tb" }, "taskId", "must not contain control characters (found U+0009)"],
      [{ conversationId: "\u007F" }, "conversationId", "must not contain control characters (found U+007F)"],
      [{ idempotencyKey: "k\u009B" }, "idempotencyKey", "must not contain control characters (found U+009B)"],
      [{ userId: 42 }, "userId", "must be a string"],
      [{ idempotencyKey: "" }, "idempotencyKey", "must not be empty"],
      [{ idempotencyKey: "k".repeat(501) }, "idempotencyKey", "must be at most 500 characters"],
      [{ tenantId: "\u0000" }, "tenantId", NUL_ISSUE],
      [{ resource: "gpu" }, "resource", "must be one of: llm, sandbox"],
    ];
    for (const [over, path, message] of cases) {
      await expect(tg.reserve({ ...base, ...over } as ReserveRequest)).rejects.toMatchObject({ code: "invalid_request", issues: [{ path, message }] });
    }
    // A surrogate pair is one character (an emoji): stored as sent.
    const ok = await tg.reserve({ ...base, idempotencyKey: "emoji-😀", userId: "ünï 😀" });
    expect(ok.allowed).toBe(true);
    const { rows } = await t.pool.query(`SELECT user_id FROM reservations WHERE tenant_id = $1`, [tenantId]);
    expect(rows).toEqual([{ user_id: "ünï 😀" }]);
  });

  it("amounts: NaN, ±Infinity, negatives, exponents and non-decimal strings are refused; counts must be whole int-sized numbers", async () => {
    const tenantId = await createTenant(t.pool, "numbers");
    const { tg } = tollgate("closed");
    const amountIssue = "must be a plain decimal amount from 0 to 1000000000000";
    for (const v of [NaN, Infinity, -Infinity, -1, 1e308, "Infinity", "-1", "1e5", " 1", "0x10", "1.", ".5", "", "1,5", "١"]) {
      await expect(tg.reserve({ tenantId, resource: "llm", idempotencyKey: "a", estimatedCostUsd: v as never })).rejects.toMatchObject({
        code: "invalid_request",
        issues: [{ path: "estimatedCostUsd", message: amountIssue }],
      });
      await expect(tg.record({ tenantId, resource: "llm", idempotencyKey: "a", actualCostUsd: v as never })).rejects.toMatchObject({
        issues: [{ path: "actualCostUsd", message: amountIssue }],
      });
      await expect(tg.settle("00000000-0000-4000-8000-000000000000", { actualCostUsd: v as never })).rejects.toMatchObject({
        issues: [{ path: "actualCostUsd", message: amountIssue }],
      });
    }
    const countIssue = "must be a whole number from 0 to 2147483647";
    for (const v of [NaN, -1, 1.5, 2 ** 31, Infinity, "10"]) {
      await expect(
        tg.reserve({ tenantId, resource: "llm", idempotencyKey: "c", provider: "openai", model: "m", inputTokens: v as never, maxOutputTokens: 1 }),
      ).rejects.toMatchObject({ issues: [{ path: "inputTokens", message: countIssue }] });
      await expect(tg.settle("00000000-0000-4000-8000-000000000000", { durationMs: v as never })).rejects.toMatchObject({
        issues: [{ path: "durationMs", message: countIssue }],
      });
    }
    await expect(tg.settle("00000000-0000-4000-8000-000000000000", { inputTokens: 5 } as never)).rejects.toMatchObject({
      issues: [{ path: "outputTokens", message: "required" }],
    });
    await expect(tg.record({ tenantId, resource: "llm", idempotencyKey: "d", actualCostUsd: "1", occurredAt: new Date("nope") })).rejects.toMatchObject({
      issues: [{ path: "occurredAt", message: "must be a valid Date" }],
    });
    // Negative zero and 25 decimal places are plain decimals (stored rounded to 10 places).
    expect(await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "z", estimatedCostUsd: -0 })).toMatchObject({ allowed: true });
    const fine = await tg.reserve({ tenantId, resource: "llm", idempotencyKey: "p", estimatedCostUsd: "0.1234567890123456789012345" });
    expect(fine.allowed && fine.estimatedCostUsd.toFixed(10)).toBe("0.1234567890");
    expect(await ledgerOf(tenantId)).toMatchObject({ reservations: 2, costRecords: 0 });
  });
});

describe("the batch's backstop (values that reach SQL anyway)", () => {
  it("a batch holding a value it cannot send (U+0000) is decided one by one: the offending request alone fails with invalid_request", async () => {
    // The decider directly, without the core's checks in front: as if validate.ts missed a value.
    const tenantId = await createTenant(t.pool, "backstop");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" });
    const batches: BatchReport[] = [];
    const gc = createDecider(
      { pool: t.pool, clock: () => new Date(), hooks: {}, enforce: () => true, defaultTtlSeconds: 900 },
      { inFlight: 1, onBatch: (b) => batches.push(b) },
    );
    const req = (key: string, userId?: string): ReserveRequest => ({ tenantId, userId, resource: "llm", idempotencyKey: key, estimatedCostUsd: "1" });
    const pacer = gc.reserve(req("pacer"));
    const results = await Promise.allSettled([gc.reserve(req("a")), gc.reserve(req("nul", "u\u0000")), gc.reserve(req("b")), pacer]);
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"], [3, "singly"]]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "invalid_request" });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "3.0000000000" });
  });

  it("a batch the server refuses for a value (22003, numeric out of range) is decided one by one the same way", async () => {
    const tenantId = await createTenant(t.pool, "backstop-22");
    const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10", enforcement: "soft" });
    const batches: BatchReport[] = [];
    const gc = createDecider(
      { pool: t.pool, clock: () => new Date(), hooks: {}, enforce: () => false, defaultTtlSeconds: 900 },
      { inFlight: 1, onBatch: (b) => batches.push(b) },
    );
    const req = (key: string, usd: string): ReserveRequest => ({ tenantId, resource: "llm", idempotencyKey: key, estimatedCostUsd: usd });
    const pacer = gc.reserve(req("pacer", "0"));
    // 10^20 passes no check here (validate.ts caps amounts at 10^12) and overflows NUMERIC(24,10).
    const results = await Promise.allSettled([gc.reserve(req("a", "1")), gc.reserve(req("huge", "100000000000000000000")), gc.reserve(req("b", "2")), pacer]);
    expect(batches.map((b) => [b.size, b.outcome])).toEqual([[1, "committed"], [3, "singly"]]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: "invalid_request", message: "A value in the request cannot be stored." });
    expect(await usageOf(t.pool, quotaId)).toMatchObject({ reserved: "3.0000000000" });
  });
});
