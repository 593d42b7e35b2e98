// What the fail-open spool writes, how a line is read back, and how one entry is applied on
// replay. Applying never throws for a bad entry: the outcome says where it goes (the ledger, or
// the dead letters with its reason); only "the database is unavailable" is thrown, and stops
// the replay with the entry kept.
import { z } from "zod";
import { direct, isUnavailable, isUuid } from "./db.ts";
import { settleAlone } from "./decider.ts";
import * as ledger from "./ledger.ts";
import { TollgateError, type ActualUsage, type RecordRequest, type ReserveRequest } from "./types.ts";

/** Every entry carries its tenant (settle/release: null when the caller may act for any tenant). */
export type ReserveEntry = { t: "reserve"; id: string; req: ReserveRequest; at: string; expiresAt: string };
export type SettleEntry = { t: "settle"; id: string; tenantId?: string | null; actual: ActualUsage; at: string };
export type ReleaseEntry = { t: "release"; id: string; tenantId?: string | null };
export type RecordEntry = { t: "record"; req: Omit<RecordRequest, "occurredAt"> & { occurredAt: string; spooledBackfill: boolean } };
export type Entry = ReserveEntry | SettleEntry | ReleaseEntry | RecordEntry;

const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not a time");
const text = z.string().min(1);
const tenant = text.nullable().optional();
const entrySchema = z.discriminatedUnion("t", [
  z.object({ t: z.literal("reserve"), id: text, req: z.looseObject({ tenantId: text, idempotencyKey: text, resource: text }), at: time, expiresAt: time }),
  z.object({ t: z.literal("settle"), id: text, tenantId: tenant, actual: z.looseObject({}), at: time }),
  z.object({ t: z.literal("release"), id: text, tenantId: tenant }),
  z.object({ t: z.literal("record"), req: z.looseObject({ tenantId: text, idempotencyKey: text, resource: text, occurredAt: time }) }),
]);

/** A line back into an entry; anything else (a torn write, garbage, an unknown shape) is unparsable. */
export function parseEntry(line: string): { ok: true; entry: Entry } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, message: `not JSON: ${(e as Error).message}` };
  }
  const r = entrySchema.safeParse(value);
  if (!r.success) return { ok: false, message: `not a spool entry: ${r.error.issues.map((i) => `${i.path.join(".") || "(entry)"} ${i.message}`).join("; ")}` };
  return { ok: true, entry: value as Entry }; // the original object: zod only checked it
}

export function tenantOf(e: Entry): string | null {
  return e.t === "reserve" || e.t === "record" ? e.req.tenantId : e.tenantId ?? null;
}

export type Outcome =
  | { kind: "applied" | "duplicate" | "none" }
  | { kind: "dead"; code: string; message: string };

const APPLIED: Outcome = { kind: "applied" };
const DUPLICATE: Outcome = { kind: "duplicate" };
const NONE: Outcome = { kind: "none" };

/**
 * Applies one entry. `holds` are the spool's open holds (made while spooling); a settle or
 * release of one resolves it.
 */
export async function applyEntry(ctx: ledger.LedgerContext, e: Entry, holds: Map<string, ReserveEntry>): Promise<Outcome> {
  try {
    if (e.t === "reserve") return NONE; // a hold costs nothing until settled; kept while open
    if (e.t === "record") return await applyRecord(ctx, e);
    const hold = holds.get(e.id);
    if (hold && e.tenantId && e.tenantId !== hold.req.tenantId) return mismatch(e.tenantId, hold.req.tenantId);
    if (e.t === "release") {
      holds.delete(e.id);
      return NONE;
    }
    return hold ? await settleHold(ctx, hold, e, holds) : await settleReservation(ctx, e);
  } catch (err) {
    if (isUnavailable(err)) throw err;
    return dead(err);
  }
}

async function applyRecord(ctx: ledger.LedgerContext, e: RecordEntry): Promise<Outcome> {
  const { occurredAt, spooledBackfill, ...original } = e.req;
  // Replayed at the time it happened (a backfill: priced then, never denied).
  const req = { ...original, occurredAt: new Date(occurredAt) } as RecordRequest;
  try {
    const d = await ledger.record(ctx, req);
    if (!d.allowed) return { kind: "dead", code: "quota_exceeded", message: "Denied on replay." };
    return d.replay ? DUPLICATE : APPLIED;
  } catch (err) {
    // The request may have committed just before the connection dropped (and been spooled as
    // failed): the ledger then holds this key with the hash of the request as first sent.
    if (err instanceof TollgateError && err.code === "conflict" && !spooledBackfill) {
      const { rows } = await direct(ctx.pool).query(
        `SELECT request_hash FROM cost_records WHERE tenant_id = $1 AND idempotency_key = $2`,
        [original.tenantId, original.idempotencyKey],
      );
      if (rows[0]?.request_hash === ledger.requestHash(original)) return DUPLICATE;
    }
    throw err;
  }
}

/** A hold made while spooling settles as a one-shot record at the hold's time, keyed by the hold. */
async function settleHold(ctx: ledger.LedgerContext, hold: ReserveEntry, e: SettleEntry, holds: Map<string, ReserveEntry>): Promise<Outcome> {
  try {
    const d = await ledger.record(ctx, recordFromHold(hold, e.actual), { spoolKey: true });
    holds.delete(hold.id);
    if (!d.allowed) return { kind: "dead", code: "quota_exceeded", message: "Denied on replay." };
    return d.replay ? DUPLICATE : APPLIED;
  } catch (err) {
    if (isUnavailable(err)) throw err;
    holds.delete(hold.id);
    // The hold was settled before with other figures: the first settle wins, as in the ledger.
    if (err instanceof TollgateError && err.code === "conflict") return DUPLICATE;
    throw err;
  }
}

async function settleReservation(ctx: ledger.LedgerContext, e: SettleEntry): Promise<Outcome> {
  const gone = { kind: "dead", code: "not_found", message: "No such reservation (unknown id, an expired spooled hold, or a deleted tenant)." } as const;
  if (!isUuid(e.id)) return gone;
  const { rows } = await direct(ctx.pool).query(`SELECT tenant_id FROM reservations WHERE id = $1`, [e.id]);
  if (!rows[0]) return gone;
  if (e.tenantId && rows[0].tenant_id !== e.tenantId) return mismatch(e.tenantId, rows[0].tenant_id);
  const r = await settleAlone(ctx, e.id, e.actual);
  return r.replay ? DUPLICATE : APPLIED;
}

function mismatch(entryTenant: string, actualTenant: string): Outcome {
  return { kind: "dead", code: "tenant_mismatch", message: `Spooled for tenant ${entryTenant}; the reservation belongs to tenant ${actualTenant}.` };
}

function dead(err: unknown): Outcome {
  // A value the server refused reaches us as invalid_request (core/db.ts classify) with the
  // server's error as its cause: the operator reading a dead letter wants the SQLSTATE and the
  // server's words ("invalid byte sequence … 0x00"), not the message meant for an API client.
  const cause = err instanceof TollgateError ? (err as { cause?: { code?: unknown } }).cause : undefined;
  if (err instanceof TollgateError && typeof cause?.code !== "string") return { kind: "dead", code: err.code, message: err.message };
  const x = (cause ?? err) as { code?: unknown; message?: unknown } | null;
  return { kind: "dead", code: typeof x?.code === "string" ? x.code : "error", message: String(x?.message ?? err).slice(0, 500) };
}

export function recordFromHold(h: ReserveEntry, actual: ActualUsage): RecordRequest {
  const r = h.req as ReserveRequest & Record<string, any>;
  const base = {
    tenantId: r.tenantId, userId: r.userId, touchpoint: r.touchpoint, conversationId: r.conversationId, taskId: r.taskId,
    idempotencyKey: `${ledger.SPOOL_KEY_PREFIX}hold:${h.id}`, occurredAt: new Date(h.at),
  };
  if ("actualCostUsd" in actual) return { ...base, resource: r.resource, actualCostUsd: actual.actualCostUsd, provider: r.provider, model: r.model, tier: r.tier };
  if ("inputTokens" in actual) return { ...base, resource: "llm", provider: r.provider, model: r.model, ...actual };
  return { ...base, resource: "sandbox", tier: r.tier, ...actual };
}
