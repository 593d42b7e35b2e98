// The decision step of a batch, pure: given the batch's requests and what its transaction
// locked and read (usage rows, the status of the reservations it settles, reservations already
// made under its idempotency keys), decide every request IN ARRIVAL ORDER on running totals, as
// a serial run would, and say what to write. No I/O: the caller (decider.ts) reads, locks,
// writes and commits. A batch of one is the one-transaction mode.
import { evaluate, newCrossings } from "./decide.ts";
import type { ReservationRow } from "./ledger.ts";
import { settlement, type Priced } from "./ledger.ts";
import { money, toDb, type Money } from "./money.ts";
import { RESERVATION_FIELDS } from "./statements.ts";
import {
  TollgateError,
  type ActualUsage,
  type QuotaEvent,
  type ReserveDecision,
  type ReserveRequest,
  type Resource,
  type SettleResult,
  type Warning,
} from "./types.ts";
import { applies, type Scoping, type UsageDelta, type UsageRow } from "./usage-rows.ts";
import type { CostEntry } from "./cost-records.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
export const fail = (error: unknown): Outcome<never> => ({ ok: false, error });

export type ReserveItem = { kind: "reserve"; req: ReserveRequest; ttl: number; hash: string; estimate: Money };
export type SettleItem = { kind: "settle"; id: string; actual: ActualUsage };
export type Item = ReserveItem | SettleItem;
export type Result = ReserveDecision | SettleResult;

export interface SettleFacts {
  r: ReservationRow;
  /** Set when the reservation was already settled before the batch read it. */
  recorded?: { id: string; cost: string; late: boolean };
}

/** The batch cannot be decided together (a reservation settled elsewhere since this process looked). */
export class DecideSingly extends Error {}

/** What the batch must lock and read, worked out before its transaction. */
export interface Plan {
  /** Per item: the (tenant, user, resource, usage time) whose rows decide it; undefined when it fails before. */
  needs: (Scoping | undefined)[];
  /** One need per (resource, tenant, user, UTC day): the day fixes every period start. */
  needList: Scoping[];
  /** The first settle of each id decides it; later ones answer as its retries. */
  firstSettle: Map<string, number>;
  /** Reservations settled by this batch (their first settle has a price), sorted as the lock takes them. */
  settling: string[];
  /** Usage rows those reservations hold (locked by id: possibly in an older period). */
  holds: string[];
  /** The idempotency keys of the batch's reserves. */
  keys: { tenantId: string; key: string }[];
}

export function plan(items: Item[], facts: Map<string, SettleFacts>, priced: (Outcome<Priced> | undefined)[], now: Date): Plan {
  const needs: (Scoping | undefined)[] = items.map((it, i) => {
    if (it.kind === "reserve") return { tenantId: it.req.tenantId, userId: it.req.userId ?? null, resource: it.req.resource, at: now };
    const f = facts.get(it.id);
    return f && priced[i]?.ok ? { tenantId: f.r.tenant_id, userId: f.r.user_id, resource: f.r.resource, at: new Date(f.r.created_at) } : undefined;
  });
  const firstSettle = new Map<string, number>();
  items.forEach((it, i) => {
    if (it.kind === "settle" && !firstSettle.has(it.id)) firstSettle.set(it.id, i);
  });
  const settling = [...firstSettle.entries()].filter(([id, i]) => facts.has(id) && priced[i]?.ok).map(([id]) => id);
  const holds = [...new Set(settling.flatMap((id) => facts.get(id)!.r.usage_ids))];
  const keys = items.flatMap((it) => (it.kind === "reserve" ? [{ tenantId: it.req.tenantId, key: it.req.idempotencyKey }] : []));
  const needList = [
    ...new Map(needs.filter((n): n is Scoping => n !== undefined).map((n) => [`${n.resource}|${n.tenantId}|${n.userId}|${n.at.toISOString().slice(0, 10)}`, n])).values(),
  ];
  return { needs, needList, firstSettle, settling, holds, keys };
}

/** A reservation already made under a key of the batch (BATCH_SEEN's rows). */
export interface SeenRow {
  tenant_id: string;
  idempotency_key: string;
  id: string;
  request_hash: string;
  estimate: string;
  expires_at: Date | string;
  warnings: Warning[];
}

/** What the batch's transaction locked and read. */
export interface Locked {
  /** Usage rows, in the global lock order. */
  rows: UsageRow[];
  /** Status of each reservation being settled, as locked (before the batch marked it settled). */
  held: Map<string, string>;
  seen: SeenRow[];
}

export interface Created {
  row: ReservationRow;
  item: ReserveItem;
  warnings: Warning[];
}

export interface Settled {
  entry: CostEntry;
  id: string;
  late: boolean;
  warnings: Warning[];
  estimate: Money;
}

export interface Decided {
  /** Per item; a settle's `value` is completed by `finish` once its record has an id. */
  outcomes: (Outcome<Result> | { sameAs: number })[];
  created: Created[];
  settled: Settled[];
  deltas: UsageDelta[];
  /** Threshold notifications due, each with the utilization at the moment of crossing. */
  events: QuotaEvent[];
}

/**
 * Running totals of the locked rows. Each decision is applied in arrival order and its threshold
 * notifications are decided right then, so events carry the utilization at the moment of
 * crossing, exactly as one-at-a-time decisions would.
 */
class Tallies {
  private readonly all: Map<string, { row: UsageRow; spent: Money; reserved: Money; notified: number[] }>;
  readonly events: QuotaEvent[] = [];

  constructor(rows: UsageRow[]) {
    this.all = new Map(rows.map((r) => [r.usageId, { row: r, spent: r.spentUsd, reserved: r.reservedUsd, notified: r.notified }]));
  }

  row(usageId: string): UsageRow | undefined {
    return this.all.get(usageId)?.row;
  }

  /** The row as the next decision sees it. */
  view(usageId: string): UsageRow {
    const t = this.all.get(usageId)!;
    return { ...t.row, spentUsd: t.spent, reservedUsd: t.reserved, notified: t.notified };
  }

  change(usageId: string, d: { spent?: Money; reserved?: Money; denied?: boolean }) {
    const t = this.all.get(usageId)!;
    if (d.spent) t.spent = t.spent.add(d.spent);
    if (d.reserved) t.reserved = t.reserved.add(d.reserved);
    const crossing = newCrossings(this.view(usageId), { spent: t.spent, reserved: t.reserved }, d.denied ?? false);
    t.notified = crossing.notified;
    this.events.push(...crossing.events);
  }

  /** The usage-row writes of the whole batch. */
  deltas(): UsageDelta[] {
    return [...this.all.values()]
      .filter((t) => !t.spent.eq(t.row.spentUsd) || !t.reserved.eq(t.row.reservedUsd) || t.notified.length !== t.row.notified.length)
      .map((t) => ({ usageId: t.row.usageId, spentDelta: t.spent.sub(t.row.spentUsd), reservedDelta: t.reserved.sub(t.row.reservedUsd), notified: t.notified }));
  }
}

/** The locked rows that can apply to a need: the platform's, the tenant's and the user's. */
function scopeIndex(rows: UsageRow[]): (need: Scoping) => UsageRow[] {
  const key = (scope: string, tenantId: string | null, userId: string | null) =>
    scope === "platform" ? "p" : scope === "tenant" ? `t:${tenantId}` : `u:${tenantId}:${userId}`;
  const index = new Map<string, UsageRow[]>();
  for (const r of rows) {
    const k = key(r.scope, r.tenantId, r.scopeId);
    index.set(k, [...(index.get(k) ?? []), r]);
  }
  return (need) => [
    ...(index.get("p") ?? []),
    ...(index.get(key("tenant", need.tenantId, null)) ?? []),
    ...(need.userId === null ? [] : (index.get(key("user", need.tenantId, need.userId)) ?? [])),
  ];
}

export interface DecideContext {
  now: Date;
  enforce: (resource: Resource) => boolean;
  /** Ids for new reservations (random UUIDs; tests pass a counter). */
  newId: () => string;
}

const keyOf = (tenantId: string, key: string) => `${tenantId}:${key}`;

/** Decides every item of the batch on the locked rows, in arrival order. */
export function decide(
  items: Item[],
  facts: Map<string, SettleFacts>,
  priced: (Outcome<Priced> | undefined)[],
  p: Plan,
  locked: Locked,
  ctx: DecideContext,
): Decided {
  const { now } = ctx;
  const state = new Tallies(locked.rows);
  const candidates = scopeIndex(locked.rows);
  const position = new Map(locked.rows.map((r, i) => [r.usageId, i])); // the global lock order
  const seen = new Map<string, { hash: string; decision: ReserveDecision }>();
  for (const s of locked.seen) {
    seen.set(keyOf(s.tenant_id, s.idempotency_key), {
      hash: s.request_hash,
      decision: { allowed: true, replay: true, reservationId: s.id, estimatedCostUsd: money(s.estimate), expiresAt: new Date(s.expires_at), warnings: s.warnings },
    });
  }
  const created: Created[] = [];
  const settled: Settled[] = [];
  const outcomes = items.map((it, i): Outcome<Result> | { sameAs: number } => {
    if (it.kind === "settle") {
      const first = p.firstSettle.get(it.id)!;
      if (first !== i) return { sameAs: first };
      const pr = priced[i]!;
      if (!pr.ok) return pr;
      const { r, recorded } = facts.get(it.id)!;
      const status = locked.held.get(it.id);
      if (status === undefined) return fail(new TollgateError("not_found", "No such reservation."));
      if (status === "released") return fail(new TollgateError("conflict", "This reservation was released; it cannot be settled."));
      if (status === "settled") {
        if (!recorded) throw new DecideSingly(); // settled by someone else since this process last looked
        return {
          ok: true,
          value: { reservationId: r.id, status: "settled", costRecordId: recorded.id, actualCostUsd: money(recorded.cost), estimatedCostUsd: money(r.estimate), late: recorded.late, replay: true, warnings: [] },
        };
      }
      const late = status === "expired" || now.getTime() > new Date(r.expires_at).getTime();
      const { entry, warnings } = settlement(r, pr.value, late);
      const need = p.needs[i]!;
      const touched = new Set([...candidates(need), ...(status === "held" ? r.usage_ids.flatMap((id) => state.row(id) ?? []) : [])]);
      for (const row of [...touched].sort((a, b) => position.get(a.usageId)! - position.get(b.usageId)!)) {
        const releasing = status === "held" && r.usage_ids.includes(row.usageId);
        const charging = applies(row, need);
        if (releasing || charging) {
          state.change(row.usageId, { reserved: releasing ? money(r.estimate).neg() : undefined, spent: charging ? entry.costUsd : undefined });
        }
      }
      settled.push({ entry, id: r.id, late, warnings, estimate: money(r.estimate) });
      return { ok: true, value: undefined as unknown as Result }; // completed by finish()
    }
    const prior = seen.get(keyOf(it.req.tenantId, it.req.idempotencyKey));
    if (prior) {
      return prior.hash === it.hash
        ? { ok: true, value: prior.decision }
        : fail(new TollgateError("conflict", "This idempotency key was already used with a different request."));
    }
    const need = p.needs[i]!;
    const mine = candidates(need).filter((r) => applies(r, need)).map((r) => r.usageId);
    const ev = evaluate(mine.map((id) => state.view(id)), it.estimate, { enforce: ctx.enforce(it.req.resource), now });
    if (ev.denial) {
      state.change(ev.binding!.usageId, { denied: true });
      return { ok: true, value: { allowed: false, denial: ev.denial, warnings: ev.warnings } };
    }
    for (const id of mine) state.change(id, { reserved: it.estimate });
    const row = reservationRow(ctx.newId(), it, mine, new Date(now.getTime() + it.ttl * 1000), now);
    created.push({ row, item: it, warnings: ev.warnings });
    const decision: ReserveDecision = { allowed: true, replay: false, reservationId: row.id, estimatedCostUsd: it.estimate, expiresAt: row.expires_at, warnings: ev.warnings };
    // A later request of this batch with the same key replays this one.
    seen.set(keyOf(it.req.tenantId, it.req.idempotencyKey), { hash: it.hash, decision: { ...decision, replay: true } });
    return { ok: true, value: decision };
  });
  return { outcomes, created, settled, deltas: state.deltas(), events: state.events };
}

/** The final answers, once the write returned each settled reservation's record id. */
export function finish(items: Item[], d: Decided, costIds: Record<string, string>): Outcome<Result>[] {
  const results = new Map<string, SettleResult>(
    d.settled.map((s) => [
      s.id,
      { reservationId: s.id, status: "settled", costRecordId: costIds[s.id], actualCostUsd: s.entry.costUsd, estimatedCostUsd: s.estimate, late: s.late, replay: false, warnings: s.warnings },
    ]),
  );
  const final: Outcome<Result>[] = d.outcomes.map((o, i) => {
    const it = items[i];
    if ("sameAs" in o) return o as never; // below, once the first is final
    return o.ok && it.kind === "settle" && results.has(it.id) ? { ok: true, value: results.get(it.id)! } : o;
  });
  // A second settle of the same id in one batch answers like a retry of the first.
  d.outcomes.forEach((o, i) => {
    if (!("sameAs" in o)) return;
    const first = final[o.sameAs];
    final[i] = first.ok ? { ok: true, value: { ...(first.value as SettleResult), replay: true, warnings: [] } } : first;
  });
  return final;
}

function reservationRow(id: string, it: ReserveItem, usageIds: string[], expiresAt: Date, now: Date): ReservationRow {
  const e = it.req as unknown as Partial<Record<string, string>>;
  return {
    id, tenant_id: it.req.tenantId, user_id: it.req.userId ?? null, resource: it.req.resource, status: "held",
    estimate: toDb(it.estimate), usage_ids: usageIds, expires_at: expiresAt, created_at: now,
    touchpoint: it.req.touchpoint ?? null, conversation_id: it.req.conversationId ?? null, task_id: it.req.taskId ?? null,
    provider: e.provider ?? null, model: e.model ?? null, tier: e.tier ?? null,
  };
}

/** The new-reservation parameters of BATCH_WRITE (`new_<column>` arrays) and its clock. */
export function createdValues(created: Created[], now: Date): Record<string, unknown> {
  const req = (c: Created) => c.item.req as unknown as Partial<Record<string, unknown>>;
  const value: Record<(typeof RESERVATION_FIELDS)[number][0], (c: Created) => unknown> = {
    id: (c) => c.row.id, tenant_id: (c) => c.row.tenant_id, user_id: (c) => c.row.user_id, resource: (c) => c.row.resource,
    idempotency_key: (c) => c.item.req.idempotencyKey, request_hash: (c) => c.item.hash, estimate_usd: (c) => c.row.estimate,
    usage_ids: (c) => `{${c.row.usage_ids.join(",")}}`, expires_at: (c) => c.row.expires_at, touchpoint: (c) => c.row.touchpoint,
    conversation_id: (c) => c.row.conversation_id, task_id: (c) => c.row.task_id, provider: (c) => c.row.provider,
    model: (c) => c.row.model, tier: (c) => c.row.tier, input_tokens: (c) => req(c).inputTokens ?? null,
    max_output_tokens: (c) => req(c).maxOutputTokens ?? null, expected_seconds: (c) => req(c).expectedSeconds ?? null,
    warnings: (c) => JSON.stringify(c.warnings),
  };
  return { ...Object.fromEntries(RESERVATION_FIELDS.map(([c]) => [`new_${c}`, created.map(value[c])])), now };
}
