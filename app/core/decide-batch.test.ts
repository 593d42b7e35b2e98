// The pure decision step of a batch, without a database: rows, reservation statuses and earlier
// reservations are stated by hand, and every answer, usage-row delta and event is asserted
// exactly. The batch must answer as the same requests decided one at a time would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createdValues,
  decide,
  DecideSingly,
  fail,
  finish,
  plan,
  type Item,
  type Outcome,
  type ReserveItem,
  type SeenRow,
  type SettleItem,
} from "./decide-batch.ts";
import type { Priced, ReservationRow } from "./ledger.ts";
import { money, toDb, type Money, type MoneyInput } from "./money.ts";
import { NOW, OTHER_TENANT, TENANT, usageRow } from "./test/usage-row.ts";
import { TollgateError, type ActualUsage, type Resource, type Warning } from "./types.ts";
import type { UsageRow } from "./usage-rows.ts";

const DAY_START = new Date("2026-12-02T00:00:00.000Z");
const DAY_END = new Date("2026-12-03T00:00:00.000Z");
const EXPIRES = new Date(NOW.getTime() + 60_000);

let keys = 0;
function reserve(amount: MoneyInput, o: { key?: string; hash?: string; tenantId?: string; userId?: string | null; resource?: Resource } = {}): ReserveItem {
  return {
    kind: "reserve",
    req: { tenantId: o.tenantId ?? TENANT, userId: o.userId ?? null, resource: o.resource ?? "llm", estimatedCostUsd: String(amount), idempotencyKey: o.key ?? `key-${++keys}` },
    ttl: 60,
    hash: o.hash ?? "hash-a",
    estimate: money(amount),
  };
}

const settle = (id: string, cost: MoneyInput): SettleItem => ({ kind: "settle", id, actual: { actualCostUsd: String(cost) } });

function reservation(id: string, o: { estimate: MoneyInput; usageIds: string[]; userId?: string | null; createdAt?: Date; expiresAt?: Date }): ReservationRow {
  const createdAt = o.createdAt ?? new Date(NOW.getTime() - 30_000);
  return {
    id, tenant_id: TENANT, user_id: o.userId ?? null, resource: "llm", status: "held", estimate: toDb(money(o.estimate)), usage_ids: o.usageIds, lease_ids: [],
    expires_at: o.expiresAt ?? new Date(createdAt.getTime() + 60_000), created_at: createdAt,
    touchpoint: null, conversation_id: null, task_id: null, provider: null, model: null, tier: null,
  };
}

const UNPRICED = { inputTokens: null, outputTokens: null, cachedInputTokens: null, billedDurationMs: null, activeDurationMs: null, sandboxTtlSeconds: null, llmPriceId: null, sandboxPriceId: null };

/** What priceUsage answers for an amount; anything else is "no price" here. */
function price(actual: ActualUsage): Outcome<Priced> {
  if (!("actualCostUsd" in actual)) return fail(new TollgateError("unknown_price", "No price for this model at that time."));
  return { ok: true, value: { ...UNPRICED, costUsd: money(actual.actualCostUsd).toDecimalPlaces(10) } };
}

interface World {
  rows: UsageRow[];
  reservations?: ReservationRow[];
  /** Status as the batch's lock reads it (default held); null: the row is gone. */
  status?: Record<string, ReservationRow["status"] | null>;
  recorded?: Record<string, { id: string; cost: string; late: boolean }>;
  seen?: SeenRow[];
  enforce?: (r: Resource) => boolean;
  newId?: () => string;
}

/** What decider.ts does around the pure step: facts, prices, plan, the locked statuses (holds asked for by id), decide. */
function decideBatch(items: Item[], w: World) {
  const facts = new Map((w.reservations ?? []).map((r) => [r.id, { r, recorded: w.recorded?.[r.id] }]));
  const priced = items.map((it) => (it.kind === "settle" ? (facts.has(it.id) ? price(it.actual) : fail(new TollgateError("not_found", "No such reservation."))) : undefined));
  const p = plan(items, facts, priced, NOW);
  const held = new Map<string, string>();
  for (const id of p.settling) {
    const s = w.status?.[id] === undefined ? "held" : w.status[id];
    if (s !== null) held.set(id, s);
  }
  let n = 0;
  const newId = w.newId ?? (() => `res-${++n}`);
  const d = decide(items, facts, priced, p, { rows: w.rows, leases: [], held, seen: w.seen ?? [], asked: p.holds }, { now: NOW, enforce: w.enforce ?? (() => true), newId });
  return { p, d };
}

const allowed = (id: string, estimate: MoneyInput, warnings: Warning[] = []) => ({
  ok: true,
  value: { allowed: true, replay: false, reservationId: id, estimatedCostUsd: money(estimate), expiresAt: EXPIRES, warnings },
});

/** The denial by `row` of a request of `estimate` when its spent + reserved was `current`. */
function denied(row: UsageRow, current: MoneyInput, estimate: MoneyInput, remaining: MoneyInput, utilizationPercent: number, warnings: Warning[] = []) {
  return {
    ok: true,
    value: {
      allowed: false,
      warnings,
      denial: {
        quotaId: row.quotaId, scope: row.scope, scopeId: row.scopeId, resourceType: row.resource, period: row.period, limitUsd: row.limitUsd,
        currentSpendUsd: money(current), estimatedCostUsd: money(estimate), remainingUsd: money(remaining), utilizationPercent,
        resetsAt: row.resetsAt, retryAfterSeconds: Math.ceil((row.resetsAt.getTime() - NOW.getTime()) / 1000),
      },
    },
  };
}

const failed = (code: TollgateError["code"], message: string) => ({ ok: false, error: new TollgateError(code, message) });

/** `denied`: the denials the row counted (ADR 0014), how many and their estimates. */
const delta = (usageId: string, reserved: MoneyInput, spent: MoneyInput, notified: number[] = [], denied: [number, MoneyInput] = [0, 0]) =>
  ({ usageId, reservedDelta: money(reserved), spentDelta: money(spent), notified, deniedCount: denied[0], deniedUsd: money(denied[1]) });

function event(row: UsageRow, thresholdPercent: number, spent: MoneyInput, reserved: MoneyInput, utilizationPercent: number) {
  return {
    kind: thresholdPercent >= 100 ? "exceeded" : "warning", quotaId: row.quotaId, scope: row.scope, scopeId: row.scopeId, tenantId: row.tenantId,
    resourceType: row.resource, period: row.period, periodStart: row.periodStart, thresholdPercent, limitUsd: row.limitUsd,
    spentUsd: money(spent), reservedUsd: money(reserved), utilizationPercent,
  };
}

describe("decide: per-user default rows (each_user, ADR 0016)", () => {
  it("a default's row binds its own end user only, and not once the user's own quota overrides it", () => {
    // As LOCK_USAGE reports them: the end user as scopeId, their tenant as tenantId.
    const ann = usageRow({ usageId: "usage-ann", quotaId: "default", scope: "each_user", scopeId: "ann", limit: 1 });
    const bob = usageRow({ usageId: "usage-bob", quotaId: "default", scope: "each_user", scopeId: "bob", limit: 1, overridden: true });
    const elsewhere = usageRow({ usageId: "usage-ann-other", quotaId: "platform-default", scope: "each_user", scopeId: "ann", tenantId: OTHER_TENANT, limit: 1 });
    const { d } = decideBatch(
      [reserve("0.8", { userId: "ann" }), reserve("0.5", { userId: "ann" }), reserve(5, { userId: "bob" }), reserve(5, { userId: "carl" }), reserve(5)],
      { rows: [ann, bob, elsewhere] },
    );
    expect(d.outcomes).toEqual([
      allowed("res-1", "0.8"),
      denied(ann, "0.8", "0.5", "0.2", 80),
      allowed("res-2", 5),
      allowed("res-3", 5),
      allowed("res-4", 5),
    ]);
    expect(d.created.map((c) => c.row.usage_ids)).toEqual([["usage-ann"], [], [], []]);
    expect(d.deltas).toEqual([delta("usage-ann", "0.8", 0, [100], [1, "0.5"])]);
    expect(d.events).toEqual([event(ann, 100, 0, "0.8", 80)]);
  });
});

describe("decide: reserves in arrival order on running totals", () => {
  it("limit $10, reserves of 4, 4, 4: allowed, allowed, denied with the figures after the first two", () => {
    const tenant = usageRow({ limit: 10 });
    const { d } = decideBatch([reserve(4), reserve(4), reserve(4)], { rows: [tenant] });
    expect(d.outcomes).toEqual([
      allowed("res-1", 4),
      allowed("res-2", 4),
      {
        ok: true,
        value: {
          allowed: false,
          warnings: [],
          denial: {
            quotaId: "quota-tenant", scope: "tenant", scopeId: TENANT, resourceType: "llm", period: "day", limitUsd: money(10),
            currentSpendUsd: money(8), estimatedCostUsd: money(4), remainingUsd: money(2), utilizationPercent: 80,
            resetsAt: DAY_END, retryAfterSeconds: 14 * 3600,
          },
        },
      },
    ]);
    expect(d.created.map((c) => c.row)).toEqual(
      ["res-1", "res-2"].map((id) => ({
        id, tenant_id: TENANT, user_id: null, resource: "llm", status: "held", estimate: "4.0000000000", usage_ids: ["usage-tenant"], lease_ids: [],
        expires_at: EXPIRES, created_at: NOW, touchpoint: null, conversation_id: null, task_id: null, provider: null, model: null, tier: null,
      })),
    );
    expect(d.deltas).toEqual([delta("usage-tenant", 8, 0, [100], [1, 4])]);
    // The denial is the 100% crossing: one "exceeded" event at the utilization of that moment.
    expect(d.events).toEqual([event(tenant, 100, 0, 8, 80)]);
    expect(d.settled).toEqual([]);
  });

  it("platform, tenant and user quotas: each request is held on every row that applies to it, and the tightest denies", () => {
    const platform = usageRow({ scope: "platform", period: "month", limit: 100 });
    const tenant = usageRow({ scope: "tenant", limit: 10 });
    const user = usageRow({ scope: "user", scopeId: "user-1", limit: 5 });
    const { d } = decideBatch(
      [reserve(3, { userId: "user-1" }), reserve(3, { userId: "user-1" }), reserve(3), reserve(3, { userId: "user-2" }), reserve(2, { userId: "user-2" })],
      { rows: [platform, tenant, user] },
    );
    expect(d.outcomes).toEqual([allowed("res-1", 3), denied(user, 3, 3, 2, 60), allowed("res-2", 3), allowed("res-3", 3), denied(tenant, 9, 2, 1, 90)]);
    expect(d.created.map((c) => c.row.usage_ids)).toEqual([["usage-platform", "usage-tenant", "usage-user"], ["usage-platform", "usage-tenant"], ["usage-platform", "usage-tenant"]]);
    expect(d.deltas).toEqual([delta("usage-platform", 9, 0), delta("usage-tenant", 9, 0, [100], [1, 2]), delta("usage-user", 3, 0, [100], [1, 3])]);
    expect(d.events).toEqual([event(user, 100, 0, 3, 60), event(tenant, 100, 0, 9, 90)]);
  });

  it("a settle earlier in the batch frees budget for a later reserve; the other way round it does not", () => {
    const tenant = usageRow({ limit: 10, reserved: 8 });
    const r1 = reservation("r1", { estimate: 8, usageIds: ["usage-tenant"] });

    const first = decideBatch([settle("r1", 3), reserve(6)], { rows: [tenant], reservations: [r1] }).d;
    expect(first.outcomes).toEqual([{ ok: true, value: undefined }, allowed("res-1", 6)]);
    expect(first.deltas).toEqual([delta("usage-tenant", -2, 3)]);
    expect(first.events).toEqual([]);

    const second = decideBatch([reserve(6), settle("r1", 3)], { rows: [tenant], reservations: [r1] }).d;
    expect(second.outcomes).toEqual([denied(tenant, 8, 6, 2, 80), { ok: true, value: undefined }]);
    expect(second.deltas).toEqual([delta("usage-tenant", -8, 3, [100], [1, 6])]);
    expect(second.events).toEqual([event(tenant, 100, 0, 8, 80)]);
  });
});

describe("decide: settles", () => {
  it("a held reservation: its estimate released and the actual charged on every applicable row; the ledger entry belongs to its time", () => {
    const createdAt = new Date("2026-12-02T09:59:30.000Z");
    const rows = [usageRow({ scope: "platform", period: "month", limit: 100, reserved: 5 }), usageRow({ scope: "tenant", reserved: 5 }), usageRow({ scope: "user", scopeId: "user-1", limit: 5, reserved: 5 })];
    const r1 = reservation("r1", { estimate: 5, userId: "user-1", createdAt, usageIds: ["usage-platform", "usage-tenant", "usage-user"] });
    const { d } = decideBatch([settle("r1", 3)], { rows, reservations: [r1] });
    expect(d.deltas).toEqual([delta("usage-platform", -5, 3), delta("usage-tenant", -5, 3), delta("usage-user", -5, 3)]);
    expect(d.settled).toEqual([
      {
        id: "r1", late: false, warnings: [], estimate: money(5),
        entry: {
          ...UNPRICED, costUsd: money(3), tenantId: TENANT, userId: "user-1", conversationId: null, taskId: null, touchpoint: null, resource: "llm",
          provider: null, model: null, tier: null, estimatedCostUsd: money(5), reservationId: "r1", idempotencyKey: null, requestHash: null,
          late: false, backfill: false, occurredAt: createdAt,
        },
      },
    ]);
    expect(d.created).toEqual([]);
  });

  it("releases a hold on a quota disabled since, and charges a quota added since without releasing anything there", () => {
    const added = usageRow({ scope: "platform", period: "month", limit: 100 });
    const tenant = usageRow({ scope: "tenant", reserved: 5 });
    const disabled = usageRow({ scope: "user", scopeId: "user-1", reserved: 5, enabled: false });
    const r1 = reservation("r1", { estimate: 5, userId: "user-1", usageIds: ["usage-tenant", "usage-user"] });
    const { d } = decideBatch([settle("r1", 3)], { rows: [added, tenant, disabled], reservations: [r1] });
    expect(d.deltas).toEqual([delta("usage-platform", 0, 3), delta("usage-tenant", -5, 3), delta("usage-user", -5, 0)]);
  });

  it("a reservation of yesterday is charged to yesterday's day row (and this month's), a reserve of today to today's", () => {
    const createdAt = new Date("2026-12-01T23:59:00.000Z");
    const month = usageRow({ usageId: "usage-month", quotaId: "quota-month", period: "month", limit: 100, reserved: 5 });
    const yesterday = usageRow({ usageId: "usage-yday", at: createdAt, spent: 2, reserved: 5 });
    const today = usageRow({ usageId: "usage-today" });
    const r1 = reservation("r1", { estimate: 5, createdAt, expiresAt: new Date(NOW.getTime() + 3_600_000), usageIds: ["usage-month", "usage-yday"] });
    const { p, d } = decideBatch([settle("r1", 3), reserve(1)], { rows: [month, yesterday, today], reservations: [r1] });
    expect(p.needList.map((n) => n.at)).toEqual([createdAt, NOW]);
    expect(d.outcomes).toEqual([{ ok: true, value: undefined }, allowed("res-1", 1)]);
    expect(d.created[0].row.usage_ids).toEqual(["usage-month", "usage-today"]);
    expect(d.deltas).toEqual([delta("usage-month", -4, 3), delta("usage-yday", -5, 3), delta("usage-today", 1, 0)]);
    expect(d.settled.map((s) => [s.late, s.entry.occurredAt])).toEqual([[false, createdAt]]);
  });

  it("an expired reservation (its hold already dropped) is charged only, flagged late", () => {
    const tenant = usageRow();
    const r1 = reservation("r1", { estimate: 5, usageIds: ["usage-tenant"] });
    const { d } = decideBatch([settle("r1", 3)], { rows: [tenant], reservations: [r1], status: { r1: "expired" } });
    expect(d.deltas).toEqual([delta("usage-tenant", 0, 3)]);
    expect(d.settled.map((s) => [s.id, s.late, s.warnings, s.entry.late])).toEqual([
      ["r1", true, [{ code: "late_settle", message: "Settled after the reservation expired; the cost was recorded." }], true],
    ]);
  });

  it("a held reservation past its expiry (the sweeper has not run) is released and charged, flagged late", () => {
    const tenant = usageRow({ reserved: 5 });
    const r1 = reservation("r1", { estimate: 5, usageIds: ["usage-tenant"], expiresAt: new Date(NOW.getTime() - 1000) });
    const { d } = decideBatch([settle("r1", 3)], { rows: [tenant], reservations: [r1] });
    expect(d.deltas).toEqual([delta("usage-tenant", -5, 3)]);
    expect(d.settled.map((s) => s.late)).toEqual([true]);
  });

  it("released → conflict, gone since → not_found, unknown → not_found, no price → its error; nothing written", () => {
    const tenant = usageRow({ reserved: 5 });
    const reservations = ["r-released", "r-gone", "r-unpriced"].map((id) => reservation(id, { estimate: 1, usageIds: ["usage-tenant"] }));
    const unpriced: SettleItem = { kind: "settle", id: "r-unpriced", actual: { inputTokens: 10, outputTokens: 5 } };
    const { p, d } = decideBatch([settle("r-released", 1), settle("r-gone", 1), settle("r-missing", 1), unpriced], {
      rows: [tenant],
      reservations,
      status: { "r-released": "released", "r-gone": null },
    });
    expect(p.settling).toEqual(["r-released", "r-gone"]);
    expect(d.outcomes).toEqual([
      failed("conflict", "This reservation was released; it cannot be settled."),
      failed("not_found", "No such reservation."),
      failed("not_found", "No such reservation."),
      failed("unknown_price", "No price for this model at that time."),
    ]);
    expect([d.deltas, d.settled, d.events, d.created]).toEqual([[], [], [], []]);
  });

  it("already settled with a known record → that record as a replay; settled by someone else unseen → DecideSingly", () => {
    const tenant = usageRow();
    const r1 = reservation("r1", { estimate: 5, usageIds: ["usage-tenant"] });
    const { d } = decideBatch([settle("r1", 4)], {
      rows: [tenant],
      reservations: [r1],
      status: { r1: "settled" },
      recorded: { r1: { id: "cost-9", cost: "3.0000000000", late: false } },
    });
    expect(d.outcomes).toEqual([
      { ok: true, value: { reservationId: "r1", status: "settled", costRecordId: "cost-9", actualCostUsd: money(3), estimatedCostUsd: money(5), late: false, replay: true, warnings: [] } },
    ]);
    expect([d.deltas, d.settled]).toEqual([[], []]);
    expect(() => decideBatch([settle("r1", 4)], { rows: [tenant], reservations: [r1], status: { r1: "settled" } })).toThrow(DecideSingly);
  });
});

describe("decide: idempotency keys", () => {
  it("the same key twice in a batch: the second replays the first; a different request under it → conflict; another tenant's key is its own", () => {
    const tenant = usageRow();
    const other = usageRow({ usageId: "usage-other", quotaId: "quota-other", tenantId: OTHER_TENANT, scopeId: OTHER_TENANT });
    const { d } = decideBatch(
      [reserve(4, { key: "k", hash: "h" }), reserve(4, { key: "k", hash: "h" }), reserve(5, { key: "k", hash: "h2" }), reserve(4, { key: "k", hash: "h", tenantId: OTHER_TENANT })],
      { rows: [tenant, other] },
    );
    const first = allowed("res-1", 4);
    expect(d.outcomes).toEqual([
      first,
      { ok: true, value: { ...first.value, replay: true } },
      failed("conflict", "This idempotency key was already used with a different request."),
      allowed("res-2", 4),
    ]);
    expect(d.created.map((c) => [c.row.id, c.row.tenant_id])).toEqual([["res-1", TENANT], ["res-2", OTHER_TENANT]]);
    expect(d.deltas).toEqual([delta("usage-tenant", 4, 0), delta("usage-other", 4, 0)]);
  });

  it("a denied request does not take its key: its retry in the batch is decided again (and the exceeded event fires once)", () => {
    const tenant = usageRow();
    const { d } = decideBatch([reserve(12, { key: "k" }), reserve(12, { key: "k" })], { rows: [tenant] });
    expect(d.outcomes).toEqual([denied(tenant, 0, 12, 10, 0), denied(tenant, 0, 12, 10, 0)]);
    expect(d.events).toEqual([event(tenant, 100, 0, 0, 0)]);
    expect(d.deltas).toEqual([delta("usage-tenant", 0, 0, [100], [1, 12])]); // counted once (ADR 0014)
    expect(d.denials).toEqual([{ tenantId: TENANT, userId: null, quotaId: "quota-tenant", usageId: "usage-tenant", idempotencyKey: "k", estimate: money(12) }]);
  });

  it("a key already used before the batch (Locked.seen) replays its reservation, or conflicts with a different request", () => {
    const warnings: Warning[] = [{ code: "threshold_reached", message: "The tenant llm daily quota of $10.00 is at 80% (warning at 80%).", thresholdPercent: 80 }];
    const seen: SeenRow[] = [
      { tenant_id: TENANT, idempotency_key: "k-old", id: "res-old", request_hash: "h", estimate: "4.0000000000", expires_at: "2026-12-02T10:00:30.000Z", warnings },
    ];
    const { d } = decideBatch([reserve(4, { key: "k-old", hash: "h" }), reserve(4, { key: "k-old", hash: "x" })], { rows: [usageRow()], seen });
    expect(d.outcomes).toEqual([
      { ok: true, value: { allowed: true, replay: true, reservationId: "res-old", estimatedCostUsd: money(4), expiresAt: new Date("2026-12-02T10:00:30.000Z"), warnings } },
      failed("conflict", "This idempotency key was already used with a different request."),
    ]);
    expect([d.created, d.deltas, d.events]).toEqual([[], [], []]);
  });
});

describe("decide: thresholds, enforcement, scoping", () => {
  it("80% and 90% fire once each, at the 3rd and 4th request, with the utilization then; the first denial forces 100% once", () => {
    const tenant = usageRow({ limit: 100, thresholds: [80, 90] });
    const { d } = decideBatch([30, 25, 30, 6, 10, 10].map((a) => reserve(a)), { rows: [tenant] });
    const warn = (at: number, threshold: number): Warning => ({
      code: "threshold_reached", message: `The tenant llm daily quota of $100.00 is at ${at}% (warning at ${threshold}%).`,
      thresholdPercent: threshold, quotaId: "quota-tenant", scope: "tenant", scopeId: TENANT, utilizationPercent: at,
    });
    expect(d.outcomes).toEqual([
      allowed("res-1", 30),
      allowed("res-2", 25),
      allowed("res-3", 30, [warn(85, 80)]),
      allowed("res-4", 6, [warn(91, 90)]),
      denied(tenant, 91, 10, 9, 91),
      denied(tenant, 91, 10, 9, 91),
    ]);
    expect(d.events).toEqual([event(tenant, 80, 0, 85, 85), event(tenant, 90, 0, 91, 91), event(tenant, 100, 0, 91, 91)]);
    expect(d.deltas).toEqual([delta("usage-tenant", 91, 0, [80, 90, 100], [2, 20])]);
  });

  it("a threshold notified before the batch does not fire again", () => {
    const tenant = usageRow({ limit: 100, spent: 82, thresholds: [80, 90], notified: [80] });
    const { d } = decideBatch([reserve(9)], { rows: [tenant] });
    expect(d.events).toEqual([event(tenant, 90, 82, 9, 91)]);
    expect(d.deltas).toEqual([delta("usage-tenant", 9, 0, [80, 90])]);
  });

  it("enforcement off for the request's resource: allowed with an enforcement_disabled warning; on for another resource it denies", () => {
    const all = usageRow({ resource: "all" });
    const { d } = decideBatch([reserve(12), reserve(1, { resource: "sandbox" })], { rows: [all], enforce: (r) => r !== "llm" });
    expect(d.outcomes).toEqual([
      allowed("res-1", 12, [
        { code: "enforcement_disabled", message: "Would exceed the tenant all daily quota of $10.00 (enforcement is off).", quotaId: "quota-tenant", scope: "tenant", scopeId: TENANT, utilizationPercent: 120 },
      ]),
      denied(all, 12, 1, 0, 120),
    ]);
    expect(d.events).toEqual([event(all, 100, 0, 12, 120)]);
    expect(d.deltas).toEqual([delta("usage-tenant", 12, 0, [100], [1, 1])]);
  });

  it("a soft quota: allowed past its limit with soft_limit_exceeded; exceeded fires once", () => {
    const soft = usageRow({ enforcement: "soft" });
    const { d } = decideBatch([reserve(12), reserve(1)], { rows: [soft] });
    const warning = (at: number): Warning => ({ code: "soft_limit_exceeded", message: "Over the soft tenant llm daily quota of $10.00.", quotaId: "quota-tenant", scope: "tenant", scopeId: TENANT, utilizationPercent: at });
    expect(d.outcomes).toEqual([allowed("res-1", 12, [warning(120)]), allowed("res-2", 1, [warning(130)])]);
    expect(d.events).toEqual([event(soft, 100, 0, 12, 120)]);
    expect(d.deltas).toEqual([delta("usage-tenant", 13, 0, [100])]);
  });

  it("locked rows that do not apply are neither checked nor held: disabled, another tenant, another user, another period, another resource", () => {
    const rows = [
      usageRow({ usageId: "u-disabled", quotaId: "q-disabled", limit: 1, enabled: false }),
      usageRow({ usageId: "u-other-tenant", quotaId: "q-other", tenantId: OTHER_TENANT, scopeId: OTHER_TENANT, limit: 1 }),
      usageRow({ usageId: "u-user-2", quotaId: "q-user-2", scope: "user", scopeId: "user-2", limit: 1 }),
      usageRow({ usageId: "u-yesterday", quotaId: "q-day", at: new Date("2026-12-01T12:00:00.000Z"), limit: 1 }),
      usageRow({ usageId: "u-sandbox", quotaId: "q-sandbox", resource: "sandbox", limit: 1 }),
      usageRow({ usageId: "u-all", quotaId: "q-all", resource: "all", limit: 100 }),
    ];
    const { d } = decideBatch([reserve(5, { userId: "user-1" })], { rows });
    expect(d.outcomes).toEqual([allowed("res-1", 5)]);
    expect(d.created[0].row.usage_ids).toEqual(["u-all"]);
    expect(d.deltas).toEqual([delta("u-all", 5, 0)]);
  });

  it("deltas are the net changes only: a row released and re-reserved to the same totals is not written, nor is an untouched row", () => {
    const tenant = usageRow({ reserved: 4 });
    const untouched = usageRow({ usageId: "usage-other", quotaId: "quota-other", tenantId: OTHER_TENANT, scopeId: OTHER_TENANT });
    const r1 = reservation("r1", { estimate: 4, usageIds: ["usage-tenant"] });
    const { d } = decideBatch([settle("r1", 0), reserve(4)], { rows: [tenant, untouched], reservations: [r1] });
    expect(d.outcomes).toEqual([{ ok: true, value: undefined }, allowed("res-1", 4)]);
    expect(d.deltas).toEqual([]);
    expect(d.settled.map((s) => s.entry.costUsd)).toEqual([money(0)]);
  });
});

describe("finish", () => {
  it("fills settle results with their record ids; a second settle of one id answers as a replay of the first, failures too", () => {
    const tenant = usageRow({ reserved: 5 });
    const reservations = [reservation("r1", { estimate: 5, usageIds: ["usage-tenant"] }), reservation("r2", { estimate: 1, usageIds: ["usage-tenant"] })];
    const items = [settle("r1", 6), settle("r1", 2), reserve(1), settle("r2", 1), settle("r2", 1)];
    const { d } = decideBatch(items, { rows: [tenant], reservations, status: { r2: "released" } });
    expect(d.outcomes[1]).toEqual({ sameAs: 0 });
    expect(d.outcomes[4]).toEqual({ sameAs: 3 });
    const first = {
      reservationId: "r1", status: "settled", costRecordId: "cost-1", actualCostUsd: money(6), estimatedCostUsd: money(5), late: false, replay: false,
      warnings: [{ code: "over_estimate", message: "Actual cost $6.000000 exceeded the estimate $5.000000." }],
    };
    const released = failed("conflict", "This reservation was released; it cannot be settled.");
    expect(finish(items, d, { r1: "cost-1" })).toEqual([
      { ok: true, value: first },
      { ok: true, value: { ...first, replay: true, warnings: [] } },
      allowed("res-1", 1),
      released,
      released,
    ]);
    // One settle charged once: spent 6, the hold of 5 released, 1 newly reserved.
    expect(d.deltas).toEqual([delta("usage-tenant", -4, 6)]);
  });
});

describe("plan", () => {
  it("one need per (resource, tenant, user, UTC day); the first settle of an id decides it; only priced settles lock their holds", () => {
    const yesterdayLate = reservation("r-yday-late", { estimate: 1, createdAt: new Date("2026-12-01T23:00:00.000Z"), usageIds: ["u-a", "u-b"] });
    const yesterdayEarly = reservation("r-yday-early", { estimate: 1, createdAt: new Date("2026-12-01T08:00:00.000Z"), usageIds: ["u-b", "u-c"] });
    const today = reservation("r-today", { estimate: 1, createdAt: new Date("2026-12-02T09:00:00.000Z"), usageIds: ["u-a"] });
    const unpricedRow = reservation("r-unpriced", { estimate: 1, usageIds: ["u-z"] });
    const items: Item[] = [
      reserve(1, { key: "a" }),
      reserve(1, { key: "b" }),
      reserve(1, { key: "c", userId: "user-1" }),
      reserve(1, { key: "d", resource: "sandbox" }),
      reserve(1, { key: "e", tenantId: OTHER_TENANT }),
      settle("r-yday-late", 1),
      settle("r-yday-early", 1),
      settle("r-today", 1),
      settle("r-yday-late", 2),
      settle("r-missing", 1),
      { kind: "settle", id: "r-unpriced", actual: { inputTokens: 1, outputTokens: 1 } },
    ];
    const { p } = decideBatch(items, { rows: [], reservations: [yesterdayLate, yesterdayEarly, today, unpricedRow] });
    const at = (r: ReservationRow) => ({ tenantId: TENANT, userId: null, resource: "llm", at: r.created_at });
    expect(p.needs).toEqual([
      { tenantId: TENANT, userId: null, resource: "llm", at: NOW },
      { tenantId: TENANT, userId: null, resource: "llm", at: NOW },
      { tenantId: TENANT, userId: "user-1", resource: "llm", at: NOW },
      { tenantId: TENANT, userId: null, resource: "sandbox", at: NOW },
      { tenantId: OTHER_TENANT, userId: null, resource: "llm", at: NOW },
      at(yesterdayLate),
      at(yesterdayEarly),
      at(today),
      at(yesterdayLate),
      undefined,
      undefined,
    ]);
    expect(p.needList.map((n) => [n.resource, n.tenantId, n.userId, n.at.toISOString().slice(0, 10)])).toEqual([
      ["llm", TENANT, null, "2026-12-02"],
      ["llm", TENANT, "user-1", "2026-12-02"],
      ["sandbox", TENANT, null, "2026-12-02"],
      ["llm", OTHER_TENANT, null, "2026-12-02"],
      ["llm", TENANT, null, "2026-12-01"],
    ]);
    expect([...p.firstSettle]).toEqual([["r-yday-late", 5], ["r-yday-early", 6], ["r-today", 7], ["r-missing", 9], ["r-unpriced", 10]]);
    // In arrival order; BATCH_HOLD sorts its lock by id itself.
    expect(p.settling).toEqual(["r-yday-late", "r-yday-early", "r-today"]);
    expect(p.holds).toEqual(["u-a", "u-b", "u-c"]);
    expect(p.keys).toEqual([
      { tenantId: TENANT, key: "a" },
      { tenantId: TENANT, key: "b" },
      { tenantId: TENANT, key: "c" },
      { tenantId: TENANT, key: "d" },
      { tenantId: OTHER_TENANT, key: "e" },
    ]);
  });
});

describe("createdValues", () => {
  it("one array per reservation column (new_<column>) and the clock", () => {
    const item: ReserveItem = {
      kind: "reserve",
      req: { tenantId: TENANT, userId: "user-1", touchpoint: "chat", conversationId: "conv-1", resource: "llm", provider: "openai", model: "gpt-x", inputTokens: 1000, maxOutputTokens: 500, idempotencyKey: "k1" },
      ttl: 300,
      hash: "h1",
      estimate: money("0.015"),
    };
    const { d } = decideBatch([item], { rows: [usageRow({ limit: "0.016", thresholds: [50] }), usageRow({ scope: "user", scopeId: "user-1" })] });
    expect(createdValues(d.created, NOW)).toEqual({
      new_id: ["res-1"],
      new_tenant_id: [TENANT],
      new_user_id: ["user-1"],
      new_resource: ["llm"],
      new_idempotency_key: ["k1"],
      new_request_hash: ["h1"],
      new_estimate_usd: ["0.0150000000"],
      new_usage_ids: ["{usage-tenant,usage-user}"],
      new_expires_at: [new Date(NOW.getTime() + 300_000)],
      new_touchpoint: ["chat"],
      new_conversation_id: ["conv-1"],
      new_task_id: [null],
      new_provider: ["openai"],
      new_model: ["gpt-x"],
      new_tier: [null],
      new_input_tokens: [1000],
      new_lease_ids: ["{}"],
      new_max_output_tokens: [500],
      new_expected_seconds: [null],
      new_warnings: [
        JSON.stringify([
          { code: "threshold_reached", message: "The tenant llm daily quota of $0.02 is at 93.75% (warning at 50%).", thresholdPercent: 50, quotaId: "quota-tenant", scope: "tenant", scopeId: TENANT, utilizationPercent: 93.75 },
        ]),
      ],
      now: NOW,
    });
  });
});

describe("decide: properties", () => {
  const cents = (n: number) => money(n).div(100);

  it("any reserves against a limit: exactly the prefix-greedy serial answers, and spent + reserved never passes the limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 100 }), fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 1, maxLength: 30 }), (limit, startPct, amounts) => {
        const spent = Math.floor((limit * startPct) / 100);
        const row = usageRow({ limit: cents(limit), spent: cents(spent) });
        const { d } = decideBatch(amounts.map((a) => reserve(cents(a))), { rows: [row] });
        let total = spent;
        const expected = amounts.map((a) => (total + a <= limit ? ((total += a), true) : false));
        expect(d.outcomes.map((o) => "ok" in o && o.ok && (o.value as { allowed: boolean }).allowed)).toEqual(expected);
        const reserved = d.deltas[0]?.reservedDelta ?? money(0);
        expect(reserved).toEqual(cents(total - spent));
        expect(row.spentUsd.add(reserved).lte(row.limitUsd)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("a batch answers, writes and notifies exactly as its requests decided one at a time (each a batch of one on the rows the last left)", () => {
    const held = [
      reservation("r0", { estimate: "1.50", usageIds: ["usage-platform", "usage-tenant", "usage-user"], userId: "user-1" }),
      reservation("r1", { estimate: "2.00", usageIds: ["usage-platform", "usage-tenant"] }),
      reservation("r2", { estimate: "0.75", usageIds: ["usage-platform", "usage-tenant"] }),
    ];
    const initial = () => [
      usageRow({ scope: "platform", period: "month", limit: 20, thresholds: [50, 90], reserved: "4.25" }),
      usageRow({ scope: "tenant", limit: 8, thresholds: [80], reserved: "4.25" }),
      usageRow({ scope: "user", scopeId: "user-1", limit: 3, reserved: "1.50", enforcement: "hard" }),
    ];
    const op = fc.oneof(
      fc.record({ kind: fc.constant("reserve" as const), cents: fc.integer({ min: 1, max: 400 }), user: fc.boolean(), key: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant("settle" as const), cents: fc.integer({ min: 0, max: 400 }), res: fc.integer({ min: 0, max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), fc.constantFrom<ReservationRow["status"]>("held", "expired"), (ops, r2Status) => {
        const items: Item[] = ops.map((o) =>
          o.kind === "reserve"
            ? reserve(cents(o.cents), { key: `k${o.key}`, hash: `${o.cents}|${o.user}`, userId: o.user ? "user-1" : null })
            : settle(`r${o.res}`, cents(o.cents)),
        );
        const costIds = { r0: "cost-r0", r1: "cost-r1", r2: "cost-r2" };
        const status: Record<string, ReservationRow["status"]> = { r2: r2Status };

        let n = 0;
        const batch = decideBatch(items, { rows: initial(), reservations: held, status, newId: () => `res-${++n}` }).d;
        const batchAnswers = finish(items, batch, costIds);

        let m = 0;
        let rows = initial();
        const seen: SeenRow[] = [];
        const recorded: World["recorded"] = {};
        const serialStatus = { ...status };
        const answers: Outcome<unknown>[] = [];
        const events: unknown[] = [];
        for (const it of items) {
          const { d } = decideBatch([it], { rows, reservations: held, status: serialStatus, recorded, seen, newId: () => `res-${++m}` });
          answers.push(...finish([it], d, costIds));
          events.push(...d.events);
          rows = applyDeltas(rows, d.deltas);
          for (const c of d.created) {
            seen.push({ tenant_id: c.row.tenant_id, idempotency_key: c.item.req.idempotencyKey, id: c.row.id, request_hash: c.item.hash, estimate: c.row.estimate, expires_at: c.row.expires_at, warnings: c.warnings });
          }
          for (const s of d.settled) {
            serialStatus[s.id] = "settled";
            recorded[s.id] = { id: costIds[s.id as keyof typeof costIds], cost: toDb(s.entry.costUsd), late: s.late };
          }
        }
        expect(batchAnswers).toEqual(answers);
        expect(batch.events).toEqual(events);
        expect(applyDeltas(initial(), batch.deltas)).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });
});

function applyDeltas(rows: UsageRow[], deltas: { usageId: string; reservedDelta: Money; spentDelta: Money; notified: number[] }[]): UsageRow[] {
  return rows.map((r) => {
    const d = deltas.find((x) => x.usageId === r.usageId);
    return d ? { ...r, spentUsd: r.spentUsd.add(d.spentDelta), reservedUsd: r.reservedUsd.add(d.reservedDelta), notified: d.notified } : r;
  });
}
