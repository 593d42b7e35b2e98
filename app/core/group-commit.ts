// Group commit (ADR 0004): concurrent reserves and settles of one process are decided together,
// in arrival order, in ONE transaction of two round trips — "BEGIN; lock and read everything
// the batch decides on" and "write everything; COMMIT" — on statements prepared once per
// connection. Every decision still runs on rows locked in the global order, so the guarantee is
// the same as one transaction per decision, across processes too; a hot quota row is locked and
// committed once per batch instead of once per request. While a batch runs, the next gathers
// (`inFlight` > 1 lets several run, each then waiting for the other's row locks: measured
// slower). An idle process sends a batch of one.
import { randomUUID } from "node:crypto";
import { COST_PARAM_COUNT, costWriteParams, costWriteSql, type CostEntry } from "./cost-records.ts";
import type pg from "pg";
import { direct, inOwnTransaction, isUnavailable, isUuid, unavailable } from "./db.ts";
import { evaluate, newCrossings } from "./decide.ts";
import * as ledger from "./ledger.ts";
import { money, toDb, type Money } from "./money.ts";
import { instruments } from "./telemetry.ts";
import { TollgateError, type ActualUsage, type QuotaEvent, type ReserveDecision, type ReserveRequest, type SettleResult, type Warning } from "./types.ts";
import {
  applies,
  BATCH_LOCK_SQL,
  batchLockParams,
  ensureUsageRows,
  parseBatchLock,
  usageParams,
  WRITE_USAGE_CTE,
  type Scoping,
  type UsageDelta,
  type UsageRow,
} from "./usage-rows.ts";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const fail = (error: unknown): Outcome<never> => ({ ok: false, error });

/** The batch cannot be decided together (a rare race); each item is decided on its own. */
class DecideSingly extends Error {}
/** Applicable usage rows are missing: create them outside the transaction, then run again. */
class EnsureFirst extends Error {}

/** How a batch ended: committed together, or decided one by one after it rolled back. */
export interface BatchReport {
  size: number;
  /** Transactions tried (2+ when usage rows had to be created first). */
  attempts: number;
  outcome: "committed" | "singly" | "unavailable";
}

/** Forms batches of queued items; at most `inFlight` run at once, each of at most `max` items. */
class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[], attempts: { n: number }) => Promise<Outcome<O>[]>,
    /** Decides one item alone: used when a batch as a whole fails. */
    private readonly single: (item: I) => Promise<O>,
    private readonly max: number,
    private readonly inFlight: number,
    private readonly report: (r: BatchReport) => void,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.inFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.max);
      this.running++;
      void this.decide(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async decide(batch: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]) {
    let outcomes: Outcome<O>[];
    const attempts = { n: 0 };
    try {
      outcomes = await this.run(batch.map((b) => b.item), attempts);
      this.report({ size: batch.length, attempts: attempts.n, outcome: "committed" });
    } catch (e) {
      if (isUnavailable(e)) {
        const err = unavailable(e);
        outcomes = batch.map(() => fail(err));
        this.report({ size: batch.length, attempts: attempts.n, outcome: "unavailable" });
      } else {
        this.report({ size: batch.length, attempts: attempts.n, outcome: "singly" });
        // The batch rolled back as a whole (one request names a deleted tenant, a same-key
        // request of another process won the race, …): decide each on its own so a bad
        // request fails alone. Nothing of the batch was committed.
        outcomes = await Promise.all(
          batch.map((b) => this.single(b.item).then((value): Outcome<O> => ({ ok: true, value }), fail)),
        );
      }
    }
    batch.forEach((b, i) => {
      const o = outcomes[i];
      if (o.ok) b.resolve(o.value);
      else b.reject(o.error);
    });
  }
}

/**
 * Running totals of the rows a batch locked. Each decision is applied in arrival order and
 * its threshold notifications are decided right then, so events carry the utilization at the
 * moment of crossing, exactly as one-at-a-time decisions would.
 */
class Tallies {
  private readonly all: Map<string, { row: UsageRow; spent: Money; reserved: Money; notified: number[] }>;
  readonly events: QuotaEvent[] = [];

  constructor(rows: UsageRow[]) {
    this.all = new Map(rows.map((r) => [r.usageId, { row: r, spent: r.spentUsd, reserved: r.reservedUsd, notified: r.notified }]));
  }

  /** The locked row with this id, as it was read. */
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

/**
 * The locked rows that can apply to a need: the platform's, the tenant's and the user's (a
 * batch of spread traffic locks hundreds of rows; each decision looks at its few).
 */
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

type Item =
  | { kind: "reserve"; req: ReserveRequest; ttl: number; hash: string; estimate: Money }
  | { kind: "settle"; id: string; actual: ActualUsage };
type Result = ReserveDecision | SettleResult;

interface SettleFacts {
  r: ledger.ReservationRow;
  /** Set when the reservation was already settled before the batch read it. */
  recorded?: { id: string; cost: string; late: boolean };
}

const RESERVE_COLUMNS = [
  ["id", "uuid"], ["tenant_id", "uuid"], ["user_id", "text"], ["resource", '"ResourceType"'], ["idempotency_key", "text"],
  ["request_hash", "text"], ["estimate_usd", "numeric"], ["usage_ids", "text"], ["expires_at", "timestamptz"],
  ["touchpoint", "text"], ["conversation_id", "text"], ["task_id", "text"], ["provider", "text"], ["model", "text"],
  ["tier", "text"], ["input_tokens", "int"], ["max_output_tokens", "int"], ["expected_seconds", "int"], ["warnings", "text"],
] as const;
const COSTS_FIRST = 5;
const RESERVE_FIRST = COSTS_FIRST + COST_PARAM_COUNT;
const COSTS = costWriteSql(COSTS_FIRST);

// The batch's one write: usage totals ($1..$4), cost records with their rollups and settled
// reservations, and the new reservations (created_at is the batch's clock, the last parameter).
const WRITE_SQL = `
WITH usage AS (${WRITE_USAGE_CTE} RETURNING 1),
${COSTS.ctes},
costs AS (${COSTS.insert} RETURNING id::text AS id, reservation_id),
created AS (
  INSERT INTO reservations (${RESERVE_COLUMNS.map(([c]) => c).join(", ")}, created_at)
  SELECT ${RESERVE_COLUMNS.map(([c]) => (c === "usage_ids" ? "x.usage_ids::uuid[]" : c === "warnings" ? "x.warnings::jsonb" : `x.${c}`)).join(", ")},
         $${RESERVE_FIRST + RESERVE_COLUMNS.length}::timestamptz
    FROM unnest(${RESERVE_COLUMNS.map(([, t], i) => `$${RESERVE_FIRST + i}::${t}[]`).join(", ")})
      AS x(${RESERVE_COLUMNS.map(([c]) => c).join(", ")})
  RETURNING 1)
SELECT (SELECT json_object_agg(reservation_id, id) FROM costs) AS costs, (SELECT count(*) FROM created)::int AS created`;

// Two round trips per batch: "BEGIN; SET LOCAL plan_cache_mode …; EXECUTE hold/lock/seen(…)"
// and "EXECUTE write(…); COMMIT", each one simple-protocol message. The statements are
// PREPAREd once per connection and run with generic plans (planned once), their parameters
// sent as quoted literals (quoteLiteral).
//
// The first message runs up to three statements in order (each one reads what the one before
// locked): `hold` locks the reservations being settled (sorted by id — the order ledger.settle
// uses, reservation before usage rows, so the two never deadlock) and marks those still held
// or expired as settled: a settle with a price is never refused, and marking them here keeps
// the write's cost-record foreign-key checks off rows updated by the same statement. `lock`
// locks the usage rows (BATCH_LOCK_SQL). `seen` reads reservations already made under the
// batch's idempotency keys, after the locks, so it sees every batch that committed before.
const HOLD_SQL = `
WITH held AS MATERIALIZED (
  SELECT id, status FROM reservations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE),
marked AS (
  UPDATE reservations r SET status = 'settled', finished_at = now()
    FROM held h WHERE r.id = h.id AND h.status IN ('held', 'expired') RETURNING 1)
SELECT id, status FROM held`;

const SEEN_SQL = `
SELECT r.tenant_id, r.idempotency_key, r.id, r.request_hash, r.estimate_usd::text AS estimate, r.expires_at, r.warnings
  FROM reservations r JOIN unnest($1::uuid[], $2::text[]) AS k(t, key) ON r.tenant_id = k.t AND r.idempotency_key = k.key`;

const STATEMENTS = {
  tollgate_batch_hold: HOLD_SQL,
  tollgate_batch_lock: BATCH_LOCK_SQL,
  tollgate_batch_seen: SEEN_SQL,
  tollgate_batch_write: WRITE_SQL,
};
const preparedOn = new WeakSet<pg.PoolClient>();

async function prepare(c: pg.PoolClient) {
  if (preparedOn.has(c)) return;
  await c.query(Object.entries(STATEMENTS).map(([name, sql]) => `PREPARE ${name} AS ${sql}`).join(";\n"));
  preparedOn.add(c);
}

/**
 * A string as an SQL literal, as libpq's and pg's escapeLiteral make it (quotes doubled; with a
 * backslash, an E'' literal with backslashes doubled, right whatever standard_conforming_strings
 * says) — built with two replaceAll calls: pg's version appends character by character, and
 * flattening that string for a 50 kB batch cost more than the rest of the batch's JavaScript.
 */
export function quoteLiteral(s: string): string {
  // No quoting can carry U+0000: the simple-protocol message ends at it (PostgreSQL answers 08P01
  // for the whole batch). validate.ts refuses it first, naming the field; this refuses it here
  // too, so the batch is decided one by one and only the request holding it fails.
  if (s.includes("\u0000")) throw new TollgateError("invalid_request", "A value in the request cannot be stored.", [{ path: "(body)", message: "contains U+0000" }]);
  const quoted = s.includes("'") ? s.replaceAll("'", "''") : s;
  return s.includes("\\") ? ` E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/** One parameter as an SQL literal: arrays in PostgreSQL's array syntax, dates as ISO 8601. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (Array.isArray(v)) return quoteLiteral(`{${v.map(element).join(",")}}`);
  return quoteLiteral(v instanceof Date ? v.toISOString() : String(v));
}

// Array elements that need no quotes: ids, numbers, ISO times, enum labels.
const BARE = /^[\w.:+-]+$/;

function element(e: unknown): string {
  if (e === null || e === undefined) return "NULL";
  const s = e instanceof Date ? e.toISOString() : String(e);
  if (BARE.test(s) && s.toUpperCase() !== "NULL") return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `EXECUTE name(…)` with every value as a literal. */
function execute(name: string, values: unknown[]) {
  return `EXECUTE ${name}(${values.map(literal).join(", ")})`;
}

interface Created {
  row: ledger.ReservationRow;
  item: Extract<Item, { kind: "reserve" }>;
  warnings: Warning[];
}

function reservationRow(id: string, it: Extract<Item, { kind: "reserve" }>, usageIds: string[], expiresAt: Date, now: Date): ledger.ReservationRow {
  const e = it.req as unknown as Partial<Record<string, string>>;
  return {
    id, tenant_id: it.req.tenantId, user_id: it.req.userId ?? null, resource: it.req.resource, status: "held",
    estimate: toDb(it.estimate), usage_ids: usageIds, expires_at: expiresAt, created_at: now,
    touchpoint: it.req.touchpoint ?? null, conversation_id: it.req.conversationId ?? null, task_id: it.req.taskId ?? null,
    provider: e.provider ?? null, model: e.model ?? null, tier: e.tier ?? null,
  };
}

function writeParams(deltas: UsageDelta[], settled: { entry: CostEntry; id: string }[], created: Created[], now: Date): unknown[] {
  const req = (c: Created) => c.item.req as unknown as Partial<Record<string, unknown>>;
  const value: Record<(typeof RESERVE_COLUMNS)[number][0], (c: Created) => unknown> = {
    id: (c) => c.row.id, tenant_id: (c) => c.row.tenant_id, user_id: (c) => c.row.user_id, resource: (c) => c.row.resource,
    idempotency_key: (c) => c.item.req.idempotencyKey, request_hash: (c) => c.item.hash, estimate_usd: (c) => c.row.estimate,
    usage_ids: (c) => `{${c.row.usage_ids.join(",")}}`, expires_at: (c) => c.row.expires_at, touchpoint: (c) => c.row.touchpoint,
    conversation_id: (c) => c.row.conversation_id, task_id: (c) => c.row.task_id, provider: (c) => c.row.provider,
    model: (c) => c.row.model, tier: (c) => c.row.tier, input_tokens: (c) => req(c).inputTokens ?? null,
    max_output_tokens: (c) => req(c).maxOutputTokens ?? null, expected_seconds: (c) => req(c).expectedSeconds ?? null,
    warnings: (c) => JSON.stringify(c.warnings),
  };
  return [
    ...usageParams(deltas),
    ...costWriteParams(settled.map((s) => s.entry), []), // marked settled by the lock statement
    ...RESERVE_COLUMNS.map(([c]) => created.map(value[c])),
    now,
  ];
}

/** Reads the facts of reservations this process does not know (and the result of settled ones). */
async function readFacts(ctx: ledger.LedgerContext, ids: string[]): Promise<Map<string, SettleFacts>> {
  if (!ids.length) return new Map();
  const { rows } = await direct(ctx.pool).query(
    `SELECT ${ledger.RESERVATION_COLUMNS},
            (SELECT json_build_object('id', c.id::text, 'cost', c.cost_usd::text, 'late', c.late)
               FROM cost_records c WHERE c.reservation_id = reservations.id) AS recorded
       FROM reservations WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id as string, { r: r as ledger.ReservationRow, recorded: r.recorded ?? undefined }]));
}

async function decideBatch(ctx: ledger.LedgerContext, known: KnownReservations, items: Item[], attempts: { n: number }): Promise<Outcome<Result>[]> {
  const now = ctx.clock();
  const settleIds = [...new Set(items.flatMap((it) => (it.kind === "settle" && isUuid(it.id) ? [it.id] : [])))];
  const facts = await readFacts(ctx, settleIds.filter((id) => !known.get(id)));
  for (const id of settleIds) {
    const r = known.get(id);
    if (r) facts.set(id, { r });
  }
  // Pricing depends only on the reservation's model or tier and time, which never change.
  const priced = await Promise.all(
    items.map(async (it) => {
      if (it.kind !== "settle") return undefined;
      const f = facts.get(it.id);
      if (!f) return fail(new TollgateError("not_found", "No such reservation."));
      return ledger.priceActual(direct(ctx.pool), f.r, it.actual, new Date(f.r.created_at)).then((v) => ({ ok: true as const, value: v }), fail);
    }),
  );

  const needs: (Scoping | undefined)[] = items.map((it, i) => {
    if (it.kind === "reserve") return { tenantId: it.req.tenantId, userId: it.req.userId ?? null, resource: it.req.resource, at: now };
    const f = facts.get(it.id);
    return f && priced[i]?.ok ? { tenantId: f.r.tenant_id, userId: f.r.user_id, resource: f.r.resource, at: new Date(f.r.created_at) } : undefined;
  });
  // The first settle of each id in the batch decides it; later ones answer as its retries.
  const firstSettle = new Map<string, number>();
  items.forEach((it, i) => {
    if (it.kind === "settle" && !firstSettle.has(it.id)) firstSettle.set(it.id, i);
  });
  // Settled in the lock statement: reservations whose first settle in the batch has a price.
  const settling = settleIds.filter((id) => priced[firstSettle.get(id)!]?.ok);
  const holds = [...new Set(settling.flatMap((id) => facts.get(id)!.r.usage_ids))];
  const keys = items.flatMap((it) => (it.kind === "reserve" ? [{ tenantId: it.req.tenantId, key: it.req.idempotencyKey }] : []));
  const keyOf = (tenantId: string, key: string) => `${tenantId}:${key}`;
  // One need per (resource, tenant, user, UTC day): the day fixes every period start.
  const needList = [...new Map(needs.filter((n): n is Scoping => n !== undefined).map((n) => [`${n.resource}|${n.tenantId}|${n.userId}|${n.at.toISOString().slice(0, 10)}`, n])).values()];

  for (let attempt = 0; ; attempt++) {
    attempts.n = attempt + 1;
    try {
      const { outcomes, created, settledIds } = await inOwnTransaction(ctx.pool, async (c) => {
        await prepare(c);
        const statements = [
          "BEGIN",
          // Plan each statement once per connection: custom plans cost more to make (~1 ms a
          // batch, measured with pg_stat_statements.track_planning) than to run.
          "SET LOCAL plan_cache_mode = force_generic_plan",
          ...(settling.length ? [execute("tollgate_batch_hold", [settling])] : []),
          execute("tollgate_batch_lock", batchLockParams(needList, holds)),
          ...(keys.length ? [execute("tollgate_batch_seen", [keys.map((k) => k.tenantId), keys.map((k) => k.key)])] : []),
        ];
        const answers = (await c.query(statements.join("; "))) as unknown as pg.QueryResult[];
        let next = 2;
        const heldRows = settling.length ? answers[next++].rows : [];
        const usage = parseBatchLock(answers[next++].rows);
        const seenRows = keys.length ? answers[next++].rows : [];
        if (usage.missing > 0) throw new EnsureFirst();
        const lock = { rows: usage.rows, held: new Map<string, string>(heldRows.map((h) => [h.id, h.status])) };
        ctx.observe?.(lock.rows);
        const state = new Tallies(lock.rows);
        const candidates = scopeIndex(lock.rows);
        const position = new Map(lock.rows.map((r, i) => [r.usageId, i])); // the global lock order
        const seen = new Map<string, { hash: string; decision: ReserveDecision }>();
        for (const s of seenRows) {
          seen.set(keyOf(s.tenant_id, s.idempotency_key), {
            hash: s.request_hash,
            decision: { allowed: true, replay: true, reservationId: s.id, estimatedCostUsd: money(s.estimate), expiresAt: new Date(s.expires_at), warnings: s.warnings as Warning[] },
          });
        }
        const created: Created[] = [];
        const settled: { entry: CostEntry; id: string; late: boolean; warnings: Warning[]; estimate: Money }[] = [];
        const outcomes: (Outcome<Result> | { sameAs: number })[] = items.map((it, i) => {
          if (it.kind === "settle") {
            const first = firstSettle.get(it.id)!;
            if (first !== i) return { sameAs: first };
            const p = priced[i]!;
            if (!p.ok) return p;
            const { r, recorded } = facts.get(it.id)!;
            const status = lock.held.get(it.id);
            if (status === undefined) return fail(new TollgateError("not_found", "No such reservation."));
            if (status === "released") return fail(new TollgateError("conflict", "This reservation was released; it cannot be settled."));
            if (status === "settled") {
              if (!recorded) throw new DecideSingly(); // settled by someone else since this process last looked
              return { ok: true, value: { reservationId: r.id, status: "settled", costRecordId: recorded.id, actualCostUsd: money(recorded.cost), estimatedCostUsd: money(r.estimate), late: recorded.late, replay: true, warnings: [] } };
            }
            const late = status === "expired" || now.getTime() > new Date(r.expires_at).getTime();
            const { entry, warnings } = ledger.settlement(r, p.value, late);
            const need = needs[i]!;
            const touched = new Set([...candidates(need), ...(status === "held" ? r.usage_ids.flatMap((id) => state.row(id) ?? []) : [])]);
            for (const row of [...touched].sort((a, b) => position.get(a.usageId)! - position.get(b.usageId)!)) {
              const releasing = status === "held" && r.usage_ids.includes(row.usageId);
              const charging = applies(row, need);
              if (releasing || charging) {
                state.change(row.usageId, { reserved: releasing ? money(r.estimate).neg() : undefined, spent: charging ? entry.costUsd : undefined });
              }
            }
            settled.push({ entry, id: r.id, late, warnings, estimate: money(r.estimate) });
            return { ok: true, value: undefined as unknown as Result }; // filled in after the write
          }
          const prior = seen.get(keyOf(it.req.tenantId, it.req.idempotencyKey));
          if (prior) {
            return prior.hash === it.hash
              ? { ok: true, value: prior.decision }
              : fail(new TollgateError("conflict", "This idempotency key was already used with a different request."));
          }
          const mine = candidates(needs[i]!).filter((r) => applies(r, needs[i]!)).map((r) => r.usageId);
          const ev = evaluate(mine.map((id) => state.view(id)), it.estimate, { enforce: ctx.enforce(it.req.resource), now });
          if (ev.denial) {
            state.change(ev.binding!.usageId, { denied: true });
            return { ok: true, value: { allowed: false, denial: ev.denial, warnings: ev.warnings } };
          }
          for (const id of mine) state.change(id, { reserved: it.estimate });
          const row = reservationRow(randomUUID(), it, mine, new Date(now.getTime() + it.ttl * 1000), now);
          created.push({ row, item: it, warnings: ev.warnings });
          const decision: ReserveDecision = { allowed: true, replay: false, reservationId: row.id, estimatedCostUsd: it.estimate, expiresAt: row.expires_at, warnings: ev.warnings };
          // A later request of this batch with the same key replays this one.
          seen.set(keyOf(it.req.tenantId, it.req.idempotencyKey), { hash: it.hash, decision: { ...decision, replay: true } });
          return { ok: true, value: decision };
        });
        const deltas = state.deltas();
        // Hooks write their rows (the alert outbox) in this transaction, before the last round trip.
        await ledger.fire(ctx, state.events, c);
        let costIds: Record<string, string> = {};
        if (deltas.length || created.length || settled.length) {
          const [written] = (await c.query(`${execute("tollgate_batch_write", writeParams(deltas, settled, created, now))}; COMMIT`)) as unknown as pg.QueryResult[];
          costIds = written.rows[0].costs ?? {};
        } else {
          await c.query("COMMIT");
        }
        const results = new Map<string, SettleResult>(
          settled.map((s) => [
            s.id,
            { reservationId: s.id, status: "settled", costRecordId: costIds[s.id], actualCostUsd: s.entry.costUsd, estimatedCostUsd: s.estimate, late: s.late, replay: false, warnings: s.warnings },
          ]),
        );
        const final: Outcome<Result>[] = outcomes.map((o, i) => {
          const it = items[i];
          if ("sameAs" in o) return o as never; // below, once the first is final
          return o.ok && it.kind === "settle" && results.has(it.id) ? { ok: true, value: results.get(it.id)! } : o;
        });
        // A second settle of the same id in one batch answers like a retry of the first.
        outcomes.forEach((o, i) => {
          if (!("sameAs" in o)) return;
          const first = final[o.sameAs];
          final[i] = first.ok ? { ok: true, value: { ...(first.value as SettleResult), replay: true, warnings: [] } } : first;
        });
        return { outcomes: final, created, settledIds: settled.map((s) => s.id) };
      });
      for (const c of created) known.remember(c.row);
      for (const id of settledIds) known.forget(id);
      return outcomes;
    } catch (e) {
      if (e instanceof EnsureFirst && attempt < 2) {
        await ensureUsageRows(direct(ctx.pool), needList);
        continue;
      }
      throw e;
    }
  }
}

export interface GroupCommitter {
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

export function createGroupCommitter(ctx: ledger.LedgerContext, options: GroupCommitOptions = {}): GroupCommitter {
  const known = new KnownReservations();
  const batcher = new Batcher<Item, Result>(
    (items, attempts) => decideBatch(ctx, known, items, attempts),
    (it) => (it.kind === "reserve" ? ledger.reserve(ctx, it.req) : ledger.settle(ctx, it.id, it.actual).finally(() => known.forget(it.id))),
    options.maxBatch ?? 256,
    options.inFlight ?? 1,
    (r) => {
      instruments().batchSize.record(r.size, { outcome: r.outcome });
      options.onBatch?.(r);
    },
  );
  return {
    async reserve(req, lockSpan = (fn) => fn()) {
      const prepared = await ledger.prepareReserve(ctx, req);
      return lockSpan(() => batcher.submit({ kind: "reserve", req, ...prepared }) as Promise<ReserveDecision>);
    },
    settle: (id, actual) => batcher.submit({ kind: "settle", id, actual }) as Promise<SettleResult>,
  };
}
