// Group commit (ADR 0004): concurrent decisions of one process are decided together, in
// arrival order, in ONE transaction. Every decision still runs on rows locked in the global
// order, so the guarantee is the same as one transaction per decision — across processes too —
// but a hot quota row is locked and committed once per batch instead of once per request.
// While a batch is in flight the next one gathers; an idle process sends a batch of one.
import { randomUUID } from "node:crypto";
import { direct, inTransaction, isUuid } from "./db.ts";
import { writeCostEntries, type CostEntry } from "./cost-records.ts";
import { evaluate, newCrossings } from "./decide.ts";
import * as ledger from "./ledger.ts";
import { money, toDb, type Money } from "./money.ts";
import { TollgateError, type ActualUsage, type QuotaEvent, type ReserveDecision, type ReserveRequest, type SettleResult, type Warning } from "./types.ts";
import { applies, ensureUsageRows, lockUsageRows, usageParams, WRITE_USAGE_CTE, type Scoping, type UsageDelta, type UsageRow } from "./usage-rows.ts";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Serialises batches of one kind: while one runs, callers queue for the next. */
class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly run: (items: I[]) => Promise<Outcome<O>[]>,
    /** Decides one item alone: used when a batch as a whole fails. */
    private readonly single: (item: I) => Promise<O>,
    private readonly max: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain() {
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.max);
        let outcomes: Outcome<O>[];
        try {
          outcomes = await this.run(batch.map((b) => b.item));
        } catch {
          // The batch rolled back as a whole (e.g. one request names a deleted tenant): decide
          // each on its own so a bad request fails alone. Nothing of the batch was committed.
          outcomes = await Promise.all(
            batch.map((b) => this.single(b.item).then((value): Outcome<O> => ({ ok: true, value }), (error): Outcome<O> => ({ ok: false, error }))),
          );
        }
        batch.forEach((b, i) => {
          const o = outcomes[i];
          if (o.ok) b.resolve(o.value);
          else b.reject(o.error);
        });
      }
    } finally {
      this.running = false;
    }
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

interface PreparedReserve {
  req: ReserveRequest;
  ttl: number;
  hash: string;
  estimate: Money;
}

async function reserveBatch(ctx: ledger.LedgerContext, items: PreparedReserve[]): Promise<Outcome<ReserveDecision>[]> {
  const now = ctx.clock();
  const keyOf = (p: PreparedReserve) => `${p.req.tenantId}:${p.req.idempotencyKey}`;
  return inTransaction(ctx.pool, async (c) => {
    // Same-key requests across processes wait for each other (locks taken in sorted order).
    await c.query(
      `SELECT count(pg_advisory_xact_lock($1, h)) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) k ORDER BY 1) s`,
      [ledger.RESERVE_KEY_LOCK, items.map(keyOf)],
    );
    const { rows: seenRows } = await c.query(
      `SELECT r.tenant_id, r.idempotency_key, r.id, r.request_hash, r.estimate_usd::text AS estimate, r.expires_at, r.warnings
         FROM reservations r JOIN unnest($1::uuid[], $2::text[]) AS k(t, key) ON r.tenant_id = k.t AND r.idempotency_key = k.key`,
      [items.map((p) => p.req.tenantId), items.map((p) => p.req.idempotencyKey)],
    );
    const seen = new Map<string, { id: string; hash: string; decision: ReserveDecision }>();
    for (const r of seenRows) {
      seen.set(`${r.tenant_id}:${r.idempotency_key}`, {
        id: r.id,
        hash: r.request_hash,
        decision: { allowed: true, replay: true, reservationId: r.id, estimatedCostUsd: money(r.estimate), expiresAt: new Date(r.expires_at), warnings: r.warnings },
      });
    }
    const needs: Scoping[] = items.map((p) => ({ tenantId: p.req.tenantId, userId: p.req.userId ?? null, resource: p.req.resource, at: now }));
    await ensureUsageRows(c, needs);
    const rows = await lockUsageRows(c, needs);
    ctx.observe?.(rows);
    const state = new Tallies(rows);
    const outcomes: Outcome<ReserveDecision>[] = [];
    const created: { id: string; p: PreparedReserve; usageIds: string[]; expiresAt: Date; warnings: Warning[] }[] = [];
    items.forEach((p, i) => {
      const prior = seen.get(keyOf(p));
      if (prior) {
        outcomes.push(
          prior.hash === p.hash
            ? { ok: true, value: prior.decision }
            : { ok: false, error: new TollgateError("conflict", "This idempotency key was already used with a different request.") },
        );
        return;
      }
      const mine = rows.filter((r) => applies(r, needs[i])).map((r) => r.usageId);
      const ev = evaluate(mine.map((id) => state.view(id)), p.estimate, { enforce: ctx.enforce(p.req.resource), now });
      if (ev.denial) {
        state.change(ev.binding!.usageId, { denied: true });
        outcomes.push({ ok: true, value: { allowed: false, denial: ev.denial, warnings: ev.warnings } });
        return;
      }
      for (const id of mine) state.change(id, { reserved: p.estimate });
      const id = randomUUID();
      const expiresAt = new Date(now.getTime() + p.ttl * 1000);
      created.push({ id, p, usageIds: mine, expiresAt, warnings: ev.warnings });
      const decision: ReserveDecision = { allowed: true, replay: false, reservationId: id, estimatedCostUsd: p.estimate, expiresAt, warnings: ev.warnings };
      // A later request of this batch with the same key replays this one.
      seen.set(keyOf(p), { id, hash: p.hash, decision: { ...decision, replay: true } });
      outcomes.push({ ok: true, value: decision });
    });
    const { events } = state;
    const deltas = state.deltas();
    const col = <T>(f: (x: (typeof created)[number]) => T) => created.map(f);
    const e = (x: (typeof created)[number]) => x.p.req as unknown as Record<string, unknown>;
    await c.query(
      `WITH usage AS (${WRITE_USAGE_CTE} RETURNING 1)
       INSERT INTO reservations (id, tenant_id, user_id, resource, idempotency_key, request_hash, estimate_usd, usage_ids,
                                 expires_at, touchpoint, conversation_id, task_id, provider, model, tier,
                                 input_tokens, max_output_tokens, expected_seconds, warnings, created_at)
       SELECT x.id, x.tenant_id, x.user_id, x.resource, x.key, x.hash, x.estimate, x.usage_ids::uuid[], x.expires_at,
              x.touchpoint, x.conversation_id, x.task_id, x.provider, x.model, x.tier, x.input_tokens,
              x.max_output_tokens, x.expected_seconds, x.warnings::jsonb, $24
         FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::"ResourceType"[], $9::text[], $10::text[], $11::numeric[],
                     $12::text[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
                     $19::text[], $20::int[], $21::int[], $22::int[], $23::text[])
           AS x(id, tenant_id, user_id, resource, key, hash, estimate, usage_ids, expires_at, touchpoint,
                conversation_id, task_id, provider, model, tier, input_tokens, max_output_tokens, expected_seconds, warnings)`,
      [
        ...usageParams(deltas),
        col((x) => x.id), col((x) => x.p.req.tenantId), col((x) => x.p.req.userId ?? null), col((x) => x.p.req.resource),
        col((x) => x.p.req.idempotencyKey), col((x) => x.p.hash), col((x) => toDb(x.p.estimate)),
        col((x) => `{${x.usageIds.join(",")}}`), col((x) => x.expiresAt), col((x) => x.p.req.touchpoint ?? null),
        col((x) => x.p.req.conversationId ?? null), col((x) => x.p.req.taskId ?? null), col((x) => e(x).provider ?? null),
        col((x) => e(x).model ?? null), col((x) => e(x).tier ?? null), col((x) => e(x).inputTokens ?? null),
        col((x) => e(x).maxOutputTokens ?? null), col((x) => e(x).expectedSeconds ?? null),
        col((x) => JSON.stringify(x.warnings)), now,
      ],
    );
    await ledger.fire(ctx, events, c);
    return outcomes;
  });
}

interface SettleItem {
  id: string;
  actual: ActualUsage;
}

/**
 * Settles a batch: reservations locked (sorted by id), then every usage row they touch in the
 * global order, one multi-row ledger write. Prices are looked up before the transaction: they
 * depend only on the reservation's model and time, which never change.
 */
async function settleBatch(ctx: ledger.LedgerContext, items: SettleItem[]): Promise<Outcome<SettleResult>[]> {
  const ids = [...new Set(items.map((i) => i.id).filter(isUuid))];
  const { rows: facts } = await direct(ctx.pool).query(`SELECT ${ledger.RESERVATION_COLUMNS} FROM reservations WHERE id = ANY($1::uuid[])`, [ids]);
  const byId = new Map(facts.map((r) => [r.id as string, r as ledger.ReservationRow]));
  const priced = await Promise.all(
    items.map((it) => {
      const r = byId.get(it.id);
      return r ? ledger.priceActual(direct(ctx.pool), r, it.actual, new Date(r.created_at)).then(
        (v) => ({ ok: true as const, v }),
        (error) => ({ ok: false as const, error }),
      ) : Promise.resolve({ ok: false as const, error: new TollgateError("not_found", "No such reservation.") });
    }),
  );
  const now = ctx.clock();
  return inTransaction(ctx.pool, async (c) => {
    const { rows: locked } = await c.query(
      `SELECT ${ledger.RESERVATION_COLUMNS} FROM reservations WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    const current = new Map(locked.map((r) => [r.id as string, r as ledger.ReservationRow]));
    const settledIds = locked.filter((r) => r.status === "settled").map((r) => r.id);
    const { rows: existing } = settledIds.length
      ? await c.query(`SELECT reservation_id, id::text AS id, cost_usd::text AS cost, late FROM cost_records WHERE reservation_id = ANY($1::uuid[])`, [settledIds])
      : { rows: [] as any[] };
    const recorded = new Map(existing.map((r) => [r.reservation_id as string, r]));

    // Decide what each item does; the first settle of an id in the batch wins, later ones replay it.
    type Plan = { kind: "settle"; r: ledger.ReservationRow; entry: CostEntry; warnings: Warning[]; late: boolean } | { kind: "done"; outcome: Outcome<SettleResult> } | { kind: "same"; id: string };
    const firstIndex = new Map<string, number>();
    const plans: Plan[] = items.map((it, i) => {
      const r = current.get(it.id);
      const p = priced[i];
      if (!r) return { kind: "done", outcome: { ok: false, error: new TollgateError("not_found", "No such reservation.") } };
      if (firstIndex.has(it.id)) return { kind: "same", id: it.id };
      firstIndex.set(it.id, i);
      if (r.status === "settled") {
        const cr = recorded.get(r.id);
        return { kind: "done", outcome: { ok: true, value: { reservationId: r.id, status: "settled", costRecordId: cr.id, actualCostUsd: money(cr.cost), estimatedCostUsd: money(r.estimate), late: cr.late, replay: true, warnings: [] } } };
      }
      if (r.status === "released") return { kind: "done", outcome: { ok: false, error: new TollgateError("conflict", "This reservation was released; it cannot be settled.") } };
      if (!p.ok) return { kind: "done", outcome: { ok: false, error: p.error } };
      const late = r.status === "expired" || now.getTime() > new Date(r.expires_at).getTime();
      const { entry, warnings } = ledger.settlement(r, p.v, late);
      return { kind: "settle", r, entry, warnings, late };
    });
    const settling = plans.filter((p): p is Extract<Plan, { kind: "settle" }> => p.kind === "settle");
    const needs: Scoping[] = settling.map((p) => ({ tenantId: p.r.tenant_id, userId: p.r.user_id, resource: p.r.resource, at: new Date(p.r.created_at) }));
    const held = settling.filter((p) => p.r.status === "held").flatMap((p) => p.r.usage_ids);
    let costIds: string[] = [];
    if (settling.length) {
      await ensureUsageRows(c, needs);
      const rows = await lockUsageRows(c, needs, [...new Set(held)]);
      const state = new Tallies(rows);
      settling.forEach((p, i) => {
        for (const row of rows) {
          const releasing = p.r.status === "held" && p.r.usage_ids.includes(row.usageId);
          const charging = applies(row, needs[i]);
          if (releasing || charging) {
            state.change(row.usageId, { reserved: releasing ? money(p.r.estimate).neg() : undefined, spent: charging ? p.entry.costUsd : undefined });
          }
        }
      });
      const { events } = state;
      const deltas = state.deltas();
      costIds = await writeCostEntries(c, settling.map((p) => p.entry), deltas, settling.map((p) => p.r.id));
      await ledger.fire(ctx, events, c);
    }
    const results = new Map<string, Outcome<SettleResult>>();
    settling.forEach((p, i) => {
      results.set(p.r.id, {
        ok: true,
        value: { reservationId: p.r.id, status: "settled", costRecordId: costIds[i], actualCostUsd: p.entry.costUsd, estimatedCostUsd: money(p.r.estimate), late: p.late, replay: false, warnings: p.warnings },
      });
    });
    return plans.map((p, i): Outcome<SettleResult> => {
      if (p.kind === "done") return p.outcome;
      if (p.kind === "settle") return results.get(p.r.id)!;
      const first = plans[firstIndex.get(p.id)!];
      const o = first.kind === "done" ? first.outcome : results.get(p.id)!;
      return o.ok ? { ok: true, value: { ...o.value, replay: true, warnings: [] } } : o;
    });
  });
}

export interface GroupCommitter {
  reserve(req: ReserveRequest): Promise<ReserveDecision>;
  settle(reservationId: string, actual: ActualUsage): Promise<SettleResult>;
}

export function createGroupCommitter(ctx: ledger.LedgerContext, maxBatch = 256): GroupCommitter {
  const reserves = new Batcher<PreparedReserve, ReserveDecision>(
    (items) => reserveBatch(ctx, items),
    (p) => ledger.reserve(ctx, p.req),
    maxBatch,
  );
  const settles = new Batcher<SettleItem, SettleResult>(
    (items) => settleBatch(ctx, items),
    (it) => ledger.settle(ctx, it.id, it.actual),
    maxBatch,
  );
  return {
    async reserve(req) {
      const prepared = await ledger.prepareReserve(ctx, req);
      return reserves.submit({ req, ...prepared });
    },
    settle: (id, actual) => settles.submit({ id, actual }),
  };
}
