// Reserve and settle, decided in batches (ADR 0004): concurrent requests of one process are
// decided together, in arrival order, in ONE transaction of two round trips on a pipelined
// connection — [BEGIN; hold; lock; seen] and [write; COMMIT] — and every decision runs on rows
// locked in the global order, so the guarantee is the same as one transaction per decision,
// across processes too. Without group commit each request is a batch of one through the same
// code. The decision itself is pure (decide-batch.ts); this file reads, locks and writes.
import { randomUUID } from "node:crypto";
import { Batcher, type BatchReport } from "./batcher.ts";
import { costValues } from "./cost-records.ts";
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
  type Result,
  type SeenRow,
  type SettleFacts,
} from "./decide-batch.ts";
import * as ledger from "./ledger.ts";
import { instruments } from "./telemetry.ts";
import { call, run, send } from "./sql.ts";
import { BATCH_HOLD, BATCH_SEEN, BATCH_WRITE, LOCK_USAGE, READ_RESERVATIONS } from "./statements.ts";
import { TollgateError, type ActualUsage, type ReserveDecision, type ReserveRequest, type SettleResult } from "./types.ts";
import { ensureUsageRows, needValues, parseLock, usageValues } from "./usage-rows.ts";

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
  const { rows } = await run(direct(ctx.pool), READ_RESERVATIONS, { ids }, ctx.statements);
  return new Map(rows.map((r) => [r.id as string, { r: r as ledger.ReservationRow, recorded: r.recorded ?? undefined }]));
}

// Plan each statement once per connection: custom plans cost more to make (~1 ms a batch,
// measured with pg_stat_statements.track_planning) than to run.
const BEGIN = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan";

/** Decides a batch in one transaction; `known` (when given) spares reading reservations this process made. */
async function runBatch(ctx: ledger.LedgerContext, items: Item[], attempts: { n: number }, known?: KnownReservations): Promise<Outcome<Result>[]> {
  const now = ctx.clock();
  const mode = ctx.statements;
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
      return ledger.priceUsage(direct(ctx.pool), f.r, it.actual, new Date(f.r.created_at)).then((v) => ({ ok: true as const, value: v }), fail);
    }),
  );
  const p = plan(items, facts, priced, now);

  for (let attempt = 0; ; attempt++) {
    attempts.n = attempt + 1;
    try {
      const { outcomes, created, settled } = await inOwnTransaction(ctx.pool, async (c) => {
        const answers = await send(c, [
          BEGIN,
          ...(p.settling.length ? [call(BATCH_HOLD, { settle_ids: p.settling }, mode)] : []),
          call(LOCK_USAGE, { ...needValues(p.needList), also_ids: p.holds }, mode),
          ...(p.keys.length ? [call(BATCH_SEEN, { seen_tenant: p.keys.map((k) => k.tenantId), seen_key: p.keys.map((k) => k.key) }, mode)] : []),
        ]);
        let next = 1;
        const heldRows: { id: string; status: string }[] = p.settling.length ? answers[next++].rows : [];
        const usage = parseLock(answers[next++].rows);
        const seen: SeenRow[] = p.keys.length ? answers[next++].rows : [];
        if (usage.missing > 0) throw new EnsureFirst();
        ctx.observe?.(usage.rows);
        const d = decide(items, facts, priced, p, { rows: usage.rows, held: new Map(heldRows.map((h) => [h.id, h.status])), seen }, {
          now,
          enforce: ctx.enforce,
          newId: randomUUID,
        });
        // Hooks write their rows (the alert outbox) in this transaction, before the last round trip.
        await ledger.fire(ctx, d.events, c);
        let costIds: Record<string, string> = {};
        if (d.deltas.length || d.created.length || d.settled.length) {
          const values = { ...usageValues(d.deltas), ...costValues(d.settled.map((s) => s.entry), []), ...createdValues(d.created, now) };
          const [written] = await send(c, [call(BATCH_WRITE, values, mode), "COMMIT"]);
          costIds = written.rows[0].costs ?? {};
        } else {
          await c.query("COMMIT");
        }
        return { outcomes: finish(items, d, costIds), created: d.created, settled: d.settled };
      });
      for (const c of created) known?.remember(c.row);
      for (const s of settled) known?.forget(s.id);
      return outcomes;
    } catch (e) {
      if (e instanceof EnsureFirst && attempt < 2) {
        await ensureUsageRows(direct(ctx.pool), p.needList);
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
async function decideAlone(ctx: ledger.LedgerContext, it: Item, known: KnownReservations, fresh: boolean): Promise<Result> {
  for (let attempt = 0; ; attempt++) {
    if (fresh && it.kind === "settle") known.forget(it.id);
    try {
      const [o] = await runBatch(ctx, [it], { n: 0 }, known);
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
  settle(reservationId: string, actual: ActualUsage): Promise<SettleResult>;
}

export interface GroupCommitOptions {
  /** Most decisions in one transaction (default 256). */
  maxBatch?: number;
  /** Batches of one process in flight at once (default 1: a second batch only waits for the first's row locks, and measured slower). */
  inFlight?: number;
  /** Sees every batch (the core records `tollgate.batch.size`; tests count batches). */
  onBatch?: (r: BatchReport) => void;
}

/** Group commit (the default), or each request alone (`false`): one decision path either way. */
export function createDecider(ctx: ledger.LedgerContext, groupCommit: GroupCommitOptions | false): Decider {
  const known = new KnownReservations();
  const alone = (it: Item, fresh: boolean) => decideAlone(ctx, it, known, fresh);
  const submit: (it: Item) => Promise<Result> =
    groupCommit === false
      ? (it) => alone(it, false)
      : ((batcher) => (it: Item) => batcher.submit(it))(
          new Batcher<Item, Result>(
            (items, attempts) => runBatch(ctx, items, attempts, known),
            (it) => alone(it, true),
            groupCommit.maxBatch ?? 256,
            groupCommit.inFlight ?? 1,
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
    settle: (id, actual) => submit({ kind: "settle", id, actual }) as Promise<SettleResult>,
  };
}

/** For callers outside a decider's queue (the spool's replay): one settle, alone. */
export function settleAlone(ctx: ledger.LedgerContext, id: string, actual: ActualUsage): Promise<SettleResult> {
  return decideAlone(ctx, { kind: "settle", id, actual }, new KnownReservations(0), true) as Promise<SettleResult>;
}

