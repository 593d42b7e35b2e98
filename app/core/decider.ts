// Reserve and settle, decided in batches (ADR 0004): concurrent requests of one process are
// decided together, in arrival order, in ONE transaction of two round trips on a pipelined
// connection — [BEGIN; hold; per-user rows (ADR 0016); lock; seen] and [write; COMMIT] — and
// every decision runs on rows locked in the global order, so the guarantee is the same as one transaction per decision,
// across processes too. Without group commit each request is a batch of one through the same
// code. The decision itself is pure (decide-batch.ts); this file reads, locks and writes.
import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Batcher, type BatchReport } from "./batcher.ts";
import { costValues } from "./cost-records.ts";
import { denialValues } from "./denials.ts";
import { direct, inOwnTransaction, isUuid } from "./db.ts";
import {
  createdValues,
  decide,
  DecideSingly,
  fail,
  finish,
  plan,
  type Item,
  type Outcome,
  type Plan,
  type Result,
  type SeenRow,
  type SettleFacts,
} from "./decide-batch.ts";
import { leaseValues, NeedRows, noLeaseCounts, parseLeases, type LeaseCounts, type LeasePolicy } from "./leases.ts";
import * as ledger from "./ledger.ts";
import { Money } from "./money.ts";
import { instruments } from "./telemetry.ts";
import { call, run, send } from "./sql.ts";
import {
  BATCH_HOLD,
  BATCH_SEEN,
  BATCH_WRITE,
  ENSURE_USER_USAGE,
  GENERIC_BEGIN,
  LOCK_LEASES,
  LOCK_USAGE,
  READ_RESERVATIONS,
  WRITE_DENIALS,
} from "./statements.ts";
import { TollgateError, type ActualUsage, type ReserveDecision, type ReserveRequest, type Scope, type SettleResult } from "./types.ts";
import { applies, ensureUsageRows, needValues, parseLock, usageValues, type UsageRow } from "./usage-rows.ts";

export type { BatchReport } from "./batcher.ts";

/** Applicable usage rows are missing: create them outside the transaction, then run again. */
class EnsureFirst extends Error {}

/**
 * What this process knows of the reservations it made: their facts never change (only the
 * status does, and the batch reads that under lock), so a settle in the process that reserved
 * needs no read before its batch. Bounded; a miss costs one read per batch.
 */
class KnownReservations {
  private readonly map = new Map<string, ledger.ReservationRow>();
  constructor(private readonly max = 20_000) {}
  get(id: string) {
    return this.map.get(id);
  }
  remember(r: ledger.ReservationRow) {
    this.map.set(r.id, r);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  forget(id: string) {
    this.map.delete(id);
  }
}

/** Reads the facts of reservations this process does not know (and the record of settled ones). */
async function readFacts(ctx: ledger.LedgerContext, ids: string[]): Promise<Map<string, SettleFacts>> {
  if (!ids.length) return new Map();
  const { rows } = await run(direct(ctx.pool), READ_RESERVATIONS, { ids });
  return new Map(rows.map((r) => [r.id as string, { r: r as ledger.ReservationRow, recorded: r.recorded ?? undefined }]));
}

/**
 * This process's budget leases (ADR 0009), by usage row: what it believes is left of each. The
 * belief only chooses whether a batch locks the row; every decision uses the lease as locked.
 */
export class LeaseBook {
  private readonly map = new Map<string, { id: string; unused: Money; row: UsageRow }>();
  /** Since this process started (bench and tests read them; the metric tollgate.lease.events counts the same). */
  readonly counts: LeaseCounts = noLeaseCounts();
  constructor(readonly policy: LeasePolicy) {}

  count(c: Partial<LeaseCounts>) {
    for (const [k, n] of Object.entries(c) as [keyof LeaseCounts, number][]) {
      if (!n) continue;
      this.counts[k] += n;
      instruments().leaseEvents.add(n, { kind: k });
    }
  }

  /**
   * The rows the batch can decide on a lease of (not locking them): those whose lease's unused
   * slice covers every reserve of the batch it applies to. `force`: rows to lock regardless.
   */
  skippable(items: Item[], needs: Plan["needs"], force: Set<string>): { skip: string[]; leaseIds: string[] } {
    const skip: string[] = [];
    const leaseIds: string[] = [];
    for (const [usageId, l] of this.map) {
      if (force.has(usageId)) continue;
      let want = new Money(0);
      items.forEach((it, i) => {
        if (it.kind === "reserve" && needs[i] && applies(l.row, needs[i]!)) want = want.add(it.estimate);
      });
      if (want.lte(l.unused)) {
        skip.push(usageId);
        leaseIds.push(l.id);
      }
    }
    return { skip, leaseIds };
  }

  /** After a commit: the leases as the batch left them (leases of rows it did not touch are kept). */
  update(held: { id: string; usageId: string; unused: Money; row: UsageRow }[], touchedRows: string[]) {
    for (const usageId of touchedRows) this.map.delete(usageId);
    for (const h of held) this.map.set(h.usageId, { id: h.id, unused: h.unused, row: h.row });
  }

  forget(usageIds: string[]) {
    for (const id of usageIds) this.map.delete(id);
  }

  size() {
    return this.map.size;
  }
}

/** Decides a batch in one transaction; `known` (when given) spares reading reservations this process made. */
async function runBatch(
  ctx: ledger.LedgerContext,
  items: Item[],
  attempts: { n: number },
  known?: KnownReservations,
  book?: LeaseBook,
): Promise<Outcome<Result>[]> {
  const now = ctx.clock();
  const settleIds = [...new Set(items.flatMap((it) => (it.kind === "settle" && isUuid(it.id) ? [it.id] : [])))];
  const facts = await readFacts(ctx, settleIds.filter((id) => !known?.get(id)));
  for (const id of settleIds) {
    const r = known?.get(id);
    if (r) facts.set(id, { r });
  }
  // Pricing depends only on the reservation's model or tier and time, which never change.
  const priced = await Promise.all(
    items.map(async (it) => {
      if (it.kind !== "settle") return undefined;
      const f = facts.get(it.id);
      if (!f) return fail(new TollgateError("not_found", "No such reservation."));
      if (it.tenantId && f.r.tenant_id !== it.tenantId) return fail(ledger.otherTenants());
      return ledger.priceUsage(direct(ctx.pool), f.r, it.actual, new Date(f.r.created_at)).then((v) => ({ ok: true as const, value: v }), fail);
    }),
  );
  const p = plan(items, facts, priced, now);
  const force = new Set<string>();
  // Leases the settled reservations were drawn from: locked with the batch.
  const drawnFrom = [...new Set(p.settling.flatMap((id) => facts.get(id)!.r.lease_ids ?? []))];

  for (let attempt = 0; ; attempt++) {
    attempts.n = attempt + 1;
    const lease = book ? book.skippable(items, p.needs, force) : { skip: [], leaseIds: [] };
    // Holds on a row decided on a lease need no lock of the row when drawn from a lease.
    const alsoIds = p.holds.filter((id) => !lease.skip.includes(id) || force.has(id));
    const needs = needValues(p.needList);
    const lockValues = { ...needs, also_ids: [...new Set([...alsoIds, ...force])], skip_ids: lease.skip };
    // Needs with an end user may meet a per-user default (ADR 0016) whose row for that user does
    // not exist yet: created in this round trip, before the locks (ENSURE_USER_USAGE).
    const ensureUsers = p.needList.some((n) => n.userId);
    try {
      const { outcomes, created, settled, held, touched, counts } = await inOwnTransaction(ctx.pool, async (c) => {
        const answers = await send(c, [
          GENERIC_BEGIN,
          ...(p.settling.length ? [call(BATCH_HOLD, { settle_ids: p.settling })] : []),
          ...(ensureUsers ? [call(ENSURE_USER_USAGE, needs)] : []),
          call(LOCK_USAGE, lockValues),
          call(LOCK_LEASES, { ...lockValues, lease_ids: [...new Set([...lease.leaseIds, ...drawnFrom])] }),
          ...(p.keys.length ? [call(BATCH_SEEN, { seen_tenant: p.keys.map((k) => k.tenantId), seen_key: p.keys.map((k) => k.key) })] : []),
        ]);
        let next = 1;
        const heldRows: { id: string; status: string }[] = p.settling.length ? answers[next++].rows : [];
        if (ensureUsers) next++;
        const usage = parseLock(answers[next++].rows);
        const leases = parseLeases(answers[next++].rows);
        const seen: SeenRow[] = p.keys.length ? answers[next++].rows : [];
        if (usage.missing > 0) throw new EnsureFirst();
        ctx.observe?.(usage.rows);
        const d = decide(items, facts, priced, p, { rows: usage.rows, leases, held: new Map(heldRows.map((h) => [h.id, h.status])), seen, asked: lockValues.also_ids, skipped: lease.skip }, {
          now,
          enforce: ctx.enforce,
          newId: randomUUID,
          leases: book?.policy,
        });
        // Hooks write their rows (the alert outbox) in this transaction, before the last round trip.
        await ledger.fire(ctx, d.events, c);
        let costIds: Record<string, string> = {};
        if (d.deltas.length || d.created.length || d.settled.length || d.leaseWrites.updates.length || d.leaseWrites.grants.length) {
          const values = { ...usageValues(d.deltas), ...leaseValues(d.leaseWrites), ...costValues(d.settled.map((s) => s.entry), []), ...createdValues(d.created, now) };
          // Counted denials add their keys and daily figures in the same round trip, only when there are some.
          const denials = d.denials.length ? [call(WRITE_DENIALS, denialValues(d.denials, "reserve", now))] : [];
          const [written] = await send(c, [call(BATCH_WRITE, values), ...denials, "COMMIT"]);
          costIds = written.rows[0].costs ?? {};
        } else {
          await c.query("COMMIT");
        }
        const touched = [...usage.rows.map((r) => r.usageId), ...leases.map((l) => l.usageId)];
        return { outcomes: finish(items, d, costIds), created: d.created, settled: d.settled, held: d.held, touched, counts: d.leaseCounts };
      });
      for (const c of created) known?.remember(c.row);
      for (const s of settled) known?.forget(s.id);
      book?.update(held, touched);
      book?.count(counts);
      return outcomes;
    } catch (e) {
      if (e instanceof EnsureFirst && attempt < 2) {
        await ensureUsageRows(direct(ctx.pool), p.needList);
        continue;
      }
      if (e instanceof NeedRows && attempt < 4) {
        // A lease ran short (or was returned, or trimmed by another process): lock the rows.
        for (const id of e.usageIds) force.add(id);
        book?.count({ short: 1 });
        book?.forget(e.usageIds);
        continue;
      }
      throw e;
    }
  }
}

/** A same-key reservation of another transaction committed first (the unique index caught it). */
function lostKeyRace(e: unknown) {
  const err = e as { code?: string; constraint?: string } | null;
  return err?.code === "23505" && String(err.constraint).includes("idempotency");
}

/**
 * Decides one request alone: a batch of one. Runs again (reading everything afresh) when a
 * same-key request of another transaction won the race — the next run replays it — or a
 * reservation was settled elsewhere since this process looked.
 */
async function decideAlone(ctx: ledger.LedgerContext, it: Item, known: KnownReservations, fresh: boolean, book?: LeaseBook): Promise<Result> {
  for (let attempt = 0; ; attempt++) {
    if (fresh && it.kind === "settle") known.forget(it.id);
    try {
      const [o] = await runBatch(ctx, [it], { n: 0 }, known, book);
      if (!o.ok) throw o.error;
      return o.value;
    } catch (e) {
      if (attempt < 3 && (e instanceof DecideSingly || lostKeyRace(e))) {
        fresh = true;
        continue;
      }
      if (e instanceof DecideSingly) throw new TollgateError("conflict", "This reservation is being settled elsewhere; try again.");
      return ledger.notFoundOnMissingTenant(e);
    }
  }
}

export interface Decider {
  /** `lockSpan` wraps the request's time in its batch (queueing, locks, decision, commit). */
  reserve(req: ReserveRequest, lockSpan?: <T>(fn: () => Promise<T>) => Promise<T>): Promise<ReserveDecision>;
  /** `tenantId`: the tenant the caller is bound to; another tenant's reservation is `forbidden`. */
  settle(reservationId: string, actual: ActualUsage, tenantId?: string | null): Promise<SettleResult>;
}

/** What createTollgate uses when groupCommit leaves a field out. */
export const GROUP_COMMIT_DEFAULTS = { maxBatch: 256, inFlight: 1 } as const;

export interface GroupCommitOptions {
  /** Most decisions in one transaction (default 256). */
  maxBatch?: number;
  /** Batches of one process in flight at once (default 1: a second batch only waits for the first's row locks, and measured slower). */
  inFlight?: number;
  /** Sees every batch (the core records `tollgate.batch.size`; tests count batches). */
  onBatch?: (r: BatchReport) => void;
}

export interface LeaseOptions {
  /** A lease not used for this long is returned by the next transaction that locks its row, or the sweeper (default 30). */
  ttlSeconds?: number;
  /**
   * Quota scopes whose usage rows are leased (default: platform — the row every decision shares).
   * Per-user defaults (`each_user`) never are: each of their rows is one end user's, not hot,
   * and a slice of it held by a process would only deny that user falsely (ADR 0016).
   */
  scopes?: Exclude<Scope, "each_user">[];
}

/** This process's identity as a lease holder: host, pid and a random part (several cores in one process are several holders). */
export function leaseHolder() {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Group commit (the default), or each request alone (`false`): one decision path either way. */
export function createDecider(ctx: ledger.LedgerContext, groupCommit: GroupCommitOptions | false, leases: LeaseOptions | false = {}): Decider & { leaseStats: () => LeaseCounts & { held: number } } {
  const known = new KnownReservations();
  const scopes = leases === false ? [] : (leases.scopes ?? ["platform"]);
  // One lease book (one holder) per batch slot: two batches of this process in flight at once
  // never queue on each other's lease rows.
  const slots = groupCommit === false ? 1 : (groupCommit.inFlight ?? GROUP_COMMIT_DEFAULTS.inFlight);
  const books =
    leases === false
      ? []
      : Array.from(
          { length: slots },
          () =>
            new LeaseBook({
              holder: leaseHolder(),
              ttlSeconds: leases.ttlSeconds ?? 30,
              leasable: (row) => row.enabled && row.enforcement === "hard" && row.scope !== "each_user" && scopes.includes(row.scope),
            }),
        );
  const alone = (it: Item, fresh: boolean, slot = 0) => decideAlone(ctx, it, known, fresh, books[slot]);
  const submit: (it: Item) => Promise<Result> =
    groupCommit === false
      ? (it) => alone(it, false)
      : ((batcher) => (it: Item) => batcher.submit(it))(
          new Batcher<Item, Result>(
            (items, attempts, slot) => runBatch(ctx, items, attempts, known, books[slot]),
            (it, slot) => alone(it, true, slot),
            groupCommit.maxBatch ?? GROUP_COMMIT_DEFAULTS.maxBatch,
            slots,
            (r) => {
              instruments().batchSize.record(r.size, { outcome: r.outcome });
              groupCommit.onBatch?.(r);
            },
          ),
        );
  return {
    async reserve(req, lockSpan = (fn) => fn()) {
      const prepared = await ledger.prepareReserve(ctx, req);
      return lockSpan(() => submit({ kind: "reserve", req, ...prepared }) as Promise<ReserveDecision>);
    },
    settle: (id, actual, tenantId) => submit({ kind: "settle", id, actual, tenantId }) as Promise<SettleResult>,
    /** What happened to this process's leases so far, and how many it holds. */
    leaseStats: () => {
      const total = { ...noLeaseCounts(), held: 0 };
      for (const b of books) {
        for (const k of Object.keys(b.counts) as (keyof LeaseCounts)[]) total[k] += b.counts[k];
        total.held += b.size();
      }
      return total;
    },
  };
}

/** For callers outside a decider's queue (the spool's replay): one settle, alone. */
export function settleAlone(ctx: ledger.LedgerContext, id: string, actual: ActualUsage): Promise<SettleResult> {
  return decideAlone(ctx, { kind: "settle", id, actual }, new KnownReservations(0), true) as Promise<SettleResult>;
}

