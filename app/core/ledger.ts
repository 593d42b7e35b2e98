// The ledger's rules and its one-transaction operations: pricing what happened, the entry a
// settle writes, release, one-shot records and the expiry sweep. Reserve and settle are decided
// by decider.ts (a batch, or a batch of one). Every decision is made on QuotaUsage rows locked in
// the global order (statements.ts), so the sum of held + settled amounts never passes a hard limit.
import { createHash } from "node:crypto";
import type pg from "pg";
import { writeCostEntry, type CostEntry } from "./cost-records.ts";
import { direct, inTransaction, isUuid, txQuery, type Queryable } from "./db.ts";
import { evaluate } from "./decide.ts";
import { money, type Money } from "./money.ts";
import { estimateCost, llmPriceAt, sandboxPriceAt } from "./pricing.ts";
import { llmCostUsd, sandboxCostUsd } from "./pricing-math.ts";
import {
  TollgateError,
  type ActualUsage,
  type Hooks,
  type QuotaEvent,
  type RecordDecision,
  type RecordRequest,
  type ReserveRequest,
  type Resource,
  type Warning,
} from "./types.ts";
import { leaseValues, parseLeases, RowStates } from "./leases.ts";
import { instruments } from "./telemetry.ts";
import { run } from "./sql.ts";
import { DENIED_BEFORE, DROP_HOLDS, FORGET_DENIED_KEYS, GENERIC_BEGIN, LOCK_LEASES, RESERVATION_COLUMNS, WRITE_DENIALS } from "./statements.ts";
import { denialValues } from "./denials.ts";
import { ensureUsageRows, lockUsageRows, needValues, usageValues, type Scoping, type UsageRow } from "./usage-rows.ts";

export interface LedgerContext {
  pool: pg.Pool;
  clock: () => Date;
  hooks: Hooks;
  enforce: (resource: Resource) => boolean;
  defaultTtlSeconds: number;
  /** Sees every set of locked rows a reservation decides on (utilization metrics). */
  observe?: (rows: UsageRow[]) => void;
}

export const MAX_TTL_SECONDS = 86_400;
// Advisory-lock namespace: same-key records of one tenant are decided one after another.
const RECORD_KEY_LOCK = 7302;

/** SHA-256 of the request with keys sorted: the same idempotency key with another body conflicts. */
export function requestHash(body: object): string {
  const canonical = JSON.stringify(body, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
  return createHash("sha256").update(canonical).digest("hex");
}

export async function fire(ctx: LedgerContext, events: QuotaEvent[], c: Queryable) {
  for (const e of events) {
    const hook = e.kind === "warning" ? ctx.hooks.onQuotaWarning : ctx.hooks.onQuotaExceeded;
    if (hook) await hook(e, txQuery(c));
  }
}

/**
 * A decision outside a batch (record, release, the sweep): one transaction whose statements are
 * planned generically, as the batch's are. Custom plans cost ~1.7 ms of planning per lock or
 * write statement (pg_stat_statements: plans = calls), most of it while the usage rows are
 * locked — on a platform quota's row that planning was serial time for every record.
 */
const decision = <T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>) => inTransaction(pool, fn, GENERIC_BEGIN);

/**
 * Locks the usage rows of the needs (and `alsoIds`), then every active lease of them and the
 * leases named (ADR 0009), for a decision that is not a batch's (records, releases, the sweep):
 * it decides on the rows' true figures, other processes' unused slices counted as reserved.
 */
async function lockRows(c: Queryable, needs: Scoping[], alsoIds: string[], leaseIds: string[] = []): Promise<RowStates> {
  if (needs.length) await ensureUsageRows(c, needs);
  const rows = await lockUsageRows(c, needs, alsoIds);
  const { rows: leases } = await run(c, LOCK_LEASES, { ...needValues(needs), also_ids: alsoIds, skip_ids: [], lease_ids: leaseIds });
  return new RowStates(rows, parseLeases(leases), null);
}

/** A write that names a deleted tenant (its foreign key) is answered as an unknown tenant. */
export function notFoundOnMissingTenant(e: unknown): never {
  const err = e as { code?: string; constraint?: string };
  if (err?.code === "23503" && String(err.constraint).includes("tenant")) {
    throw new TollgateError("not_found", "Unknown tenant.", [{ path: "tenantId", message: "no such tenant" }]);
  }
  throw e;
}

/** Validation and pricing that happen before any transaction (shared with group commit). */
export async function prepareReserve(ctx: LedgerContext, req: ReserveRequest) {
  const now = ctx.clock();
  const ttl = req.ttlSeconds ?? ctx.defaultTtlSeconds;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw new TollgateError("invalid_request", `ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS}.`, [
      { path: "ttlSeconds", message: "out of range" },
    ]);
  }
  if (!isUuid(req.tenantId)) throw new TollgateError("not_found", "Unknown tenant.");
  const estimate = (await estimateCost(direct(ctx.pool), req, now)).costUsd;
  return { ttl, hash: requestHash(req), estimate };
}

export interface ReservationRow {
  id: string;
  tenant_id: string;
  user_id: string | null;
  resource: Resource;
  status: "held" | "settled" | "released" | "expired";
  estimate: string;
  usage_ids: string[];
  /** Leases (ADR 0009) the hold was drawn from, one per leased usage row. */
  lease_ids: string[];
  expires_at: Date;
  created_at: Date;
  touchpoint: string | null;
  conversation_id: string | null;
  task_id: string | null;
  provider: string | null;
  model: string | null;
  tier: string | null;
}

async function lockReservation(c: Queryable, id: string): Promise<ReservationRow> {
  if (!isUuid(id)) throw new TollgateError("not_found", "No such reservation.");
  const { rows } = await c.query(`SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) throw new TollgateError("not_found", "No such reservation.");
  return rows[0];
}

/** What a call was (its resource and, for list prices, its model or tier). */
export interface CallFacts {
  resource: Resource;
  provider: string | null;
  model: string | null;
  tier: string | null;
}

/** What usage costs at its time: an amount as given, else tokens at the model's list price, else sandbox time at the tier's rate. */
export async function priceUsage(q: Queryable, call: CallFacts, usage: ActualUsage, at: Date) {
  const base = { inputTokens: null, outputTokens: null, cachedInputTokens: null, billedDurationMs: null, activeDurationMs: null, sandboxTtlSeconds: null, llmPriceId: null, sandboxPriceId: null } as Pick<
    CostEntry,
    "inputTokens" | "outputTokens" | "cachedInputTokens" | "billedDurationMs" | "activeDurationMs" | "sandboxTtlSeconds" | "llmPriceId" | "sandboxPriceId"
  >;
  const u = usage as Partial<Record<string, unknown>>;
  if (u.actualCostUsd !== undefined) return { ...base, costUsd: money(u.actualCostUsd as string).toDecimalPlaces(10) };
  if ("inputTokens" in usage) {
    if (call.resource !== "llm" || !call.provider || !call.model) {
      throw new TollgateError("invalid_request", "Token counts settle only LLM reservations made with a provider and model; send actualCostUsd.");
    }
    const p = await llmPriceAt(q, call.provider, call.model, at);
    return {
      ...base,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedInputTokens: usage.cachedInputTokens ?? null,
      llmPriceId: p.id,
      costUsd: llmCostUsd(p, usage),
    };
  }
  if (call.resource !== "sandbox" || !call.tier) {
    throw new TollgateError("invalid_request", "durationMs settles only sandbox reservations made with a tier; send actualCostUsd.");
  }
  const d = usage as Extract<ActualUsage, { durationMs: number }>;
  const p = await sandboxPriceAt(q, call.tier, at);
  return {
    ...base,
    billedDurationMs: d.durationMs,
    activeDurationMs: d.activeDurationMs ?? null,
    sandboxTtlSeconds: d.sandboxTtlSeconds ?? null,
    sandboxPriceId: p.id,
    costUsd: sandboxCostUsd(p.usdPerSecond, d.durationMs),
  };
}

export type Priced = Awaited<ReturnType<typeof priceUsage>>;

/**
 * The ledger entry and warnings of settling reservation r: the cost belongs to the reservation's
 * time (the period that admitted the call) and is priced then; a settle after expiry still
 * records the cost, flagged late.
 */
export function settlement(r: ReservationRow, priced: Priced, late: boolean) {
  const estimate = money(r.estimate);
  const warnings: Warning[] = [];
  if (late) warnings.push({ code: "late_settle", message: "Settled after the reservation expired; the cost was recorded." });
  if (priced.costUsd.gt(estimate)) {
    warnings.push({ code: "over_estimate", message: `Actual cost $${priced.costUsd.toFixed(6)} exceeded the estimate $${estimate.toFixed(6)}.` });
  }
  const entry: CostEntry = {
    ...priced,
    tenantId: r.tenant_id, userId: r.user_id, conversationId: r.conversation_id, taskId: r.task_id,
    touchpoint: r.touchpoint, resource: r.resource, provider: r.provider, model: r.model, tier: r.tier,
    estimatedCostUsd: estimate, reservationId: r.id, idempotencyKey: null, requestHash: null,
    late, backfill: false, occurredAt: new Date(r.created_at),
  };
  return { entry, warnings };
}

/** A caller bound to one tenant (an API key's) named another tenant's reservation. */
export const otherTenants = () => new TollgateError("forbidden", "This reservation belongs to another tenant.");

export async function release(ctx: LedgerContext, reservationId: string, tenantId?: string | null): Promise<{ reservationId: string; status: "released" | "expired" }> {
  return decision(ctx.pool, async (c) => {
    const r = await lockReservation(c, reservationId);
    if (tenantId && r.tenant_id !== tenantId) throw otherTenants();
    if (r.status === "settled") throw new TollgateError("conflict", "This reservation was already settled.");
    if (r.status !== "held") return { reservationId: r.id, status: r.status };
    await dropHolds(c, [{ id: r.id, estimate: money(r.estimate), usageIds: r.usage_ids, leaseIds: r.lease_ids ?? [] }], "released");
    return { reservationId: r.id, status: "released" };
  });
}

async function dropHolds(c: Queryable, holds: { id: string; estimate: Money; usageIds: string[]; leaseIds: string[] }[], status: "released" | "expired") {
  const state = await lockRows(c, [], [...new Set(holds.flatMap((h) => h.usageIds))], [...new Set(holds.flatMap((h) => h.leaseIds))]);
  for (const h of holds) for (const id of h.usageIds) if (state.has(id)) state.unhold(id, h.estimate, h.leaseIds);
  await run(c, DROP_HOLDS, { ...usageValues(state.usageDeltas()), ...leaseValues(state.leaseWrites()), ids: holds.map((h) => h.id), status });
}

/**
 * Expires holds past their TTL, a batch per transaction, then returns expired leases (a dead
 * process's slices, ADR 0009) to their rows. SKIP LOCKED lets several app instances sweep at
 * once without waiting on (or double-releasing) the same reservation.
 */
export async function sweepExpired(ctx: LedgerContext, batch = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await decision(ctx.pool, async (c) => {
      const { rows } = await c.query(
        `SELECT id, estimate_usd::text AS estimate, usage_ids, coalesce(lease_ids, '{}') AS lease_ids FROM reservations
          WHERE status = 'held' AND expires_at <= $1
          ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [ctx.clock(), batch],
      );
      if (rows.length) {
        await dropHolds(c, rows.map((r) => ({ id: r.id, estimate: money(r.estimate), usageIds: r.usage_ids, leaseIds: r.lease_ids })), "expired");
      }
      return rows.length;
    });
    total += n;
    if (n < batch) break;
  }
  await reclaimLeases(ctx);
  await forgetDeniedKeys(ctx);
  return total;
}

/** How long a counted denial's key stops a retry from counting again (ADR 0014): the longest hold TTL. */
export const DENIED_KEY_DAYS = 1;

/** Drops denied keys older than DENIED_KEY_DAYS, a bounded batch per sweep; how many. */
export async function forgetDeniedKeys(ctx: LedgerContext, limit = 5000): Promise<number> {
  const before = new Date(ctx.clock().getTime() - DENIED_KEY_DAYS * 86_400_000);
  return (await run(direct(ctx.pool), FORGET_DENIED_KEYS, { before, limit })).rowCount ?? 0;
}

/** Returns leases past their expiry to their usage rows; how many. */
export async function reclaimLeases(ctx: LedgerContext): Promise<number> {
  const now = ctx.clock();
  const { rows } = await direct(ctx.pool).query(
    `SELECT DISTINCT usage_id FROM quota_leases WHERE returned_at IS NULL AND expires_at <= $1 LIMIT 200`,
    [now],
  );
  if (!rows.length) return 0;
  return decision(ctx.pool, async (c) => {
    const state = await lockRows(c, [], rows.map((r) => r.usage_id));
    const n = state.returnExpired(now);
    if (n) instruments().leaseEvents.add(n, { kind: "reclaimed" });
    await run(c, DROP_HOLDS, { ...usageValues(state.usageDeltas()), ...leaseValues(state.leaseWrites()), ids: [], status: "expired" });
    return n;
  });
}

/**
 * Record idempotency keys the fail-open spool writes when it settles a hold it made (keyed by
 * the hold's id). Reserved: a client record using one could otherwise make the spool's cost
 * look "already recorded" (a conflict) and be lost on replay.
 */
export const SPOOL_KEY_PREFIX = "spool:";

export function assertClientKey(key: string) {
  if (key.startsWith(SPOOL_KEY_PREFIX)) {
    throw new TollgateError("invalid_request", `Idempotency keys starting with "${SPOOL_KEY_PREFIX}" are reserved.`, [
      { path: "idempotencyKey", message: `must not start with "${SPOOL_KEY_PREFIX}"` },
    ]);
  }
}

/**
 * One-shot check-and-record for costs known only after the fact. Backfills (occurredAt set)
 * are priced and counted in their own period and never denied. `spoolKey`: the key is the
 * spool's own (only the spool's replay passes it).
 */
export async function record(ctx: LedgerContext, req: RecordRequest, opts: { spoolKey?: boolean } = {}): Promise<RecordDecision> {
  if (!opts.spoolKey) assertClientKey(req.idempotencyKey);
  const now = ctx.clock();
  const at = req.occurredAt ?? now;
  const backfill = req.occurredAt !== undefined;
  if (!isUuid(req.tenantId)) throw new TollgateError("not_found", "Unknown tenant.");
  const hash = requestHash(req);
  const r = req as unknown as Partial<Record<string, string>>;
  const call = { resource: req.resource, provider: r.provider ?? null, model: r.model ?? null, tier: r.tier ?? null };
  const priced = { ...call, ...(await priceUsage(direct(ctx.pool), call, req as unknown as ActualUsage, at)) };
  const scoping = { tenantId: req.tenantId, userId: req.userId ?? null, resource: req.resource, at };
  return decision(ctx.pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [RECORD_KEY_LOCK, `${req.tenantId}:${req.idempotencyKey}`]);
    const { rows: seen } = await c.query(
      `SELECT id::text AS id, cost_usd::text AS cost, request_hash FROM cost_records WHERE tenant_id = $1 AND idempotency_key = $2`,
      [req.tenantId, req.idempotencyKey],
    );
    if (seen[0]) {
      if (seen[0].request_hash !== hash) throw new TollgateError("conflict", "This idempotency key was already used with a different request.");
      return { allowed: true, replay: true, costRecordId: seen[0].id, costUsd: money(seen[0].cost), warnings: [] };
    }
    const state = await lockRows(c, [scoping], []);
    const mine = state.applicable(scoping);
    const judge = () => evaluate(mine.map((id) => state.view(id)), priced.costUsd, { enforce: ctx.enforce(req.resource) && !backfill, now });
    let ev = judge();
    // Denied only because other processes hold unused slices: take them back, decide again.
    while (ev.denial && state.trimOthers(ev.binding!.usageId)) ev = judge();
    if (ev.denial) {
      // A denial commits nothing but the binding quota's one-time "exceeded" notification (and
      // trimmed slices), and is counted on that quota's row once per key (ADR 0014; the
      // advisory lock above serializes this key's records).
      const binding = ev.binding!;
      const { rowCount } = await run(c, DENIED_BEFORE, { tenant_id: req.tenantId, kind: "record", key: req.idempotencyKey, usage_id: binding.usageId });
      const first = rowCount === 0;
      state.denied(binding.usageId, first ? priced.costUsd : undefined);
      await run(c, DROP_HOLDS, { ...usageValues(state.usageDeltas()), ...leaseValues(state.leaseWrites()), ids: [], status: "released" });
      if (first) {
        const denial = { tenantId: req.tenantId, userId: req.userId ?? null, quotaId: binding.quotaId, usageId: binding.usageId, idempotencyKey: req.idempotencyKey, estimate: priced.costUsd };
        await run(c, WRITE_DENIALS, denialValues([denial], "record", now));
      }
      await fire(ctx, state.events, c);
      return { allowed: false, denial: ev.denial, warnings: ev.warnings };
    }
    for (const id of mine) state.charge(id, priced.costUsd, []);
    const costRecordId = await writeCostEntry(
      c,
      {
        ...priced,
        tenantId: req.tenantId, userId: req.userId ?? null, conversationId: req.conversationId ?? null,
        taskId: req.taskId ?? null, touchpoint: req.touchpoint ?? null, resource: req.resource,
        estimatedCostUsd: null, reservationId: null, idempotencyKey: req.idempotencyKey, requestHash: hash,
        late: false, backfill, occurredAt: at,
      },
      state.usageDeltas(),
      null,
      state.leaseWrites(),
    ).catch(notFoundOnMissingTenant);
    await fire(ctx, state.events, c);
    return { allowed: true, replay: false, costRecordId, costUsd: priced.costUsd, warnings: ev.warnings };
  });
}

