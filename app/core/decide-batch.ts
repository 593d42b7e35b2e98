// The decision step of a batch, pure: given the batch's requests and what its transaction
// locked and read (usage rows and leases, the status of the reservations it settles,
// reservations already made under its idempotency keys), decide every request IN ARRIVAL ORDER on running totals, as
// a serial run would, and say what to write. No I/O: the caller (decider.ts) reads, locks,
// writes and commits. A batch of one is the one-transaction mode.
import { evaluate } from "./decide.ts";
import { deniedKey, type Denial } from "./denials.ts";
import { NeedRows, RowStates, type Lease, type LeaseCounts, type LeasePolicy, type LeaseWrites } from "./leases.ts";
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
import type { Scoping, UsageDelta, UsageRow } from "./usage-rows.ts";
import type { CostEntry } from "./cost-records.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
export const fail = (error: unknown): Outcome<never> => ({ ok: false, error });

export type ReserveItem = { kind: "reserve"; req: ReserveRequest; ttl: number; hash: string; estimate: Money };
/** `tenantId`: the tenant the caller is bound to (an API key's); another tenant's reservation is refused. */
export type SettleItem = { kind: "settle"; id: string; actual: ActualUsage; tenantId?: string | null };
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
  /** Reservations settled by this batch (their first settle has a price), in arrival order (BATCH_HOLD sorts them). */
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
  /** Set on the rows of keys whose denial this usage row already counted (the other columns are null). */
  denied_usage?: string | null;
}

/** What the batch's transaction locked and read. */
export interface Locked {
  /** Usage rows, in the global lock order. */
  rows: UsageRow[];
  /** Leases: every active lease of those rows, this process's leases of rows it did not lock, the settled reservations' leases. */
  leases: Lease[];
  /** Status of each reservation being settled, as locked (before the batch marked it settled). */
  held: Map<string, string>;
  seen: SeenRow[];
  /** Usage rows the transaction asked to lock by id: one of them missing from `rows` no longer exists. */
  asked?: string[];
  /** Usage rows it did not lock, to decide on this process's leases of them. */
  skipped?: string[];
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
  leaseWrites: LeaseWrites;
  /** This process's leases after the batch (for its memory of them). */
  held: ReturnType<RowStates["held"]>;
  leaseCounts: LeaseCounts;
  /** Threshold notifications due, each with the utilization at the moment of crossing. */
  events: QuotaEvent[];
  /** Denials counted (on their binding row's deltas too): not retries of a denial already counted. */
  denials: Denial[];
}

export interface DecideContext {
  now: Date;
  enforce: (resource: Resource) => boolean;
  /** Ids for new reservations and leases (random UUIDs; tests pass a counter). */
  newId: () => string;
  /** Budget leasing (ADR 0009); without it no lease is taken (existing ones are still honoured). */
  leases?: LeasePolicy;
}

const keyOf = (tenantId: string, key: string) => `${tenantId}:${key}`;

/**
 * Decides every item of the batch on the locked rows, in arrival order. Throws NeedRows when a
 * decision needs a usage row the batch decided on a lease of (the lease ran short, or a hold
 * was drawn from a returned lease): the caller runs the batch again with those rows locked.
 */
export function decide(
  items: Item[],
  facts: Map<string, SettleFacts>,
  priced: (Outcome<Priced> | undefined)[],
  p: Plan,
  locked: Locked,
  ctx: DecideContext,
): Decided {
  const { now } = ctx;
  const state = new RowStates(locked.rows, locked.leases, ctx.leases?.holder ?? null);
  // A row skipped for a lease that is no longer active (returned or reclaimed since this process
  // last looked) is neither locked nor decidable here: without this check its quota would not
  // apply at all. Run again with the row locked.
  const lost = (locked.skipped ?? []).filter((id) => !state.has(id));
  if (lost.length) throw new NeedRows(lost);
  const position = new Map(locked.rows.map((r, i) => [r.usageId, i])); // the global lock order
  const order = (a: string, b: string) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity);
  const seen = new Map<string, { hash: string; decision: ReserveDecision }>();
  const counted = new Set<string>(); // denials already counted, by key and binding row
  const denials: Denial[] = [];
  for (const s of locked.seen) {
    if (s.denied_usage) {
      counted.add(deniedKey(s.tenant_id, s.idempotency_key, s.denied_usage));
      continue;
    }
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
      const holds = status === "held" ? r.usage_ids : [];
      // A hold on a row not locked (decided on a lease here) needs the row; a row asked for and
      // not found was deleted (a quota's period changed) and holds nothing any more.
      const missing = holds.filter((id) => !state.has(id) && !locked.asked?.includes(id));
      if (missing.length) throw new NeedRows(missing);
      const charging = state.applicable(p.needs[i]!);
      const leaseIds = r.lease_ids ?? [];
      for (const id of [...new Set([...holds.filter((h) => state.has(h)), ...charging])].sort(order)) {
        if (holds.includes(id)) state.unhold(id, money(r.estimate), leaseIds);
        if (charging.includes(id)) state.charge(id, entry.costUsd, leaseIds);
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
    const mine = state.applicable(p.needs[i]!);
    const short = mine.filter((id) => !state.fits(id, it.estimate));
    if (short.length) throw new NeedRows(short);
    const judge = () => evaluate(mine.map((id) => state.view(id)), it.estimate, { enforce: ctx.enforce(it.req.resource), now });
    let ev = judge();
    while (ev.denial) {
      const binding = ev.binding!.usageId;
      if (!state.isLocked(binding)) throw new NeedRows([binding]);
      // Denied only because other processes hold unused slices of it: take them back, decide again.
      if (!state.trimOthers(binding)) break;
      ev = judge();
    }
    if (ev.denial) {
      // Counted on the binding row (the quota the answer names), once per key and row.
      const binding = ev.binding!;
      const k = deniedKey(it.req.tenantId, it.req.idempotencyKey, binding.usageId);
      const first = !counted.has(k);
      if (first) {
        counted.add(k);
        denials.push({
          tenantId: it.req.tenantId, userId: it.req.userId ?? null, quotaId: binding.quotaId, usageId: binding.usageId,
          idempotencyKey: it.req.idempotencyKey, estimate: it.estimate,
        });
      }
      state.denied(binding.usageId, first ? it.estimate : undefined);
      return { ok: true, value: { allowed: false, denial: ev.denial, warnings: ev.warnings } };
    }
    const leaseIds = mine.flatMap((id) => state.hold(id, it.estimate) ?? []);
    const row = reservationRow(ctx.newId(), it, mine, leaseIds, new Date(now.getTime() + it.ttl * 1000), now);
    created.push({ row, item: it, warnings: ev.warnings });
    const decision: ReserveDecision = { allowed: true, replay: false, reservationId: row.id, estimatedCostUsd: it.estimate, expiresAt: row.expires_at, warnings: ev.warnings };
    // A later request of this batch with the same key replays this one.
    seen.set(keyOf(it.req.tenantId, it.req.idempotencyKey), { hash: it.hash, decision: { ...decision, replay: true } });
    return { ok: true, value: decision };
  });
  if (ctx.leases) state.settleLeases(ctx.leases, now, ctx.newId);
  return { outcomes, created, settled, deltas: state.usageDeltas(), leaseWrites: state.leaseWrites(), held: state.held(), leaseCounts: state.counts, events: state.events, denials };
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

function reservationRow(id: string, it: ReserveItem, usageIds: string[], leaseIds: string[], expiresAt: Date, now: Date): ReservationRow {
  const e = it.req as unknown as Partial<Record<string, string>>;
  return {
    id, tenant_id: it.req.tenantId, user_id: it.req.userId ?? null, resource: it.req.resource, status: "held",
    estimate: toDb(it.estimate), usage_ids: usageIds, lease_ids: leaseIds, expires_at: expiresAt, created_at: now,
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
    warnings: (c) => JSON.stringify(c.warnings), lease_ids: (c) => `{${c.row.lease_ids.join(",")}}`,
  };
  return { ...Object.fromEntries(RESERVATION_FIELDS.map(([c]) => [`new_${c}`, created.map(value[c])])), now };
}
