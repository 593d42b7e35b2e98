// Effective-dated price administration, shared by /api/v1/prices and the control panel's
// pricing page. A new price closes the latest one for its model (or tier) at its start, in
// the same transaction as the insert and the audit entries; history is never rewritten.
import { TollgateError } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import type { CreateLlmPriceBody, CreateSandboxPriceBody, LlmPriceQuery, SandboxPriceQuery } from "~/schemas/admin.ts";
import { auditedChange, type Actor, type AuditEntry, type Tx } from "./audit.server.ts";

type Queryable = Pick<Tx, "query">;

// Rates go out at their stored precision (10 decimals), not the 6 of amounts: a per-second or
// per-token rate is multiplied by large counts, so rounding it would misstate every cost.
const rate = (v: string | null) => (v === null ? null : Number(v));
const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

export interface LlmPriceJson {
  id: string;
  provider: string;
  model: string;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  cachedInputUsdPerMillion: number | null;
  effectiveFrom: string;
  effectiveTo: string | null;
  note: string;
  createdAt: string;
}

export interface SandboxPriceJson {
  id: string;
  tier: string;
  usdPerSecond: number;
  effectiveFrom: string;
  effectiveTo: string | null;
  note: string;
  createdAt: string;
}

const LLM_COLUMNS = `id, provider, model, input_usd_per_million::text AS input, output_usd_per_million::text AS output,
  cached_input_usd_per_million::text AS cached, effective_from, effective_to, note, created_at`;
const SANDBOX_COLUMNS = `id, tier, usd_per_second::text AS rate, effective_from, effective_to, note, created_at`;

function llmPriceJson(r: any): LlmPriceJson {
  return {
    id: r.id,
    provider: r.provider,
    model: r.model,
    inputUsdPerMillion: rate(r.input)!,
    outputUsdPerMillion: rate(r.output)!,
    cachedInputUsdPerMillion: rate(r.cached),
    effectiveFrom: iso(r.effective_from)!,
    effectiveTo: iso(r.effective_to),
    note: r.note,
    createdAt: iso(r.created_at)!,
  };
}

function sandboxPriceJson(r: any): SandboxPriceJson {
  return {
    id: r.id,
    tier: r.tier,
    usdPerSecond: rate(r.rate)!,
    effectiveFrom: iso(r.effective_from)!,
    effectiveTo: iso(r.effective_to),
    note: r.note,
    createdAt: iso(r.created_at)!,
  };
}

/** History (newest first per model), or with `at` only the prices in effect at that instant. */
export async function listLlmPrices(f: LlmPriceQuery, q: Queryable = dbPool()): Promise<LlmPriceJson[]> {
  const { rows } = await q.query(
    `SELECT ${LLM_COLUMNS} FROM llm_prices
      WHERE ($1::text IS NULL OR provider = $1) AND ($2::text IS NULL OR model = $2)
        AND ($3::timestamptz IS NULL OR (effective_from <= $3 AND (effective_to IS NULL OR effective_to > $3)))
      ORDER BY provider, model, effective_from DESC`,
    [f.provider ?? null, f.model ?? null, f.at ?? null],
  );
  return rows.map(llmPriceJson);
}

export async function listSandboxPrices(f: SandboxPriceQuery, q: Queryable = dbPool()): Promise<SandboxPriceJson[]> {
  const { rows } = await q.query(
    `SELECT ${SANDBOX_COLUMNS} FROM sandbox_prices
      WHERE ($1::text IS NULL OR tier = $1)
        AND ($2::timestamptz IS NULL OR (effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2)))
      ORDER BY tier, effective_from DESC`,
    [f.tier ?? null, f.at ?? null],
  );
  return rows.map(sandboxPriceJson);
}

/**
 * The latest price of a model/tier, locked, and whether a new one starting at `from` may follow
 * it. Only appending is allowed: a start at or before the latest start would rewrite history
 * that costs were already priced with, so it is a conflict (edit through a new price instead).
 */
async function closeLatest(tx: Tx, table: "llm_prices" | "sandbox_prices", where: string, params: unknown[], from: Date, columns: string) {
  const { rows } = await tx.query(
    `SELECT ${columns} FROM ${table} WHERE ${where} ORDER BY effective_from DESC LIMIT 1 FOR UPDATE`,
    params,
  );
  const latest = rows[0];
  if (!latest) return null;
  if (new Date(latest.effective_from).getTime() >= from.getTime()) {
    throw new TollgateError("conflict", `A price starting ${iso(latest.effective_from)} exists; a new price must start after it.`, [
      { path: "effectiveFrom", message: `must be after ${iso(latest.effective_from)}` },
    ]);
  }
  if (latest.effective_to !== null && new Date(latest.effective_to).getTime() <= from.getTime()) return null; // already ended
  const { rows: closed } = await tx.query(`UPDATE ${table} SET effective_to = $2 WHERE id = $1 RETURNING ${columns}`, [latest.id, from]);
  return { before: latest, after: closed[0] };
}

// Writers of one model serialise here, before reading the latest price: two concurrent new
// prices would otherwise both close the same row (the insert trigger would then reject one).
const lockModel = (tx: Tx, key: string) => tx.query(`SELECT pg_advisory_xact_lock(hashtext('price-admin'), hashtext($1))`, [key]);

export async function createLlmPrice(actor: Actor, input: CreateLlmPriceBody, now = new Date()) {
  return auditedChange(actor, (tx) => addLlmPrice(tx, input, now), {
    conflict: "Another price for this model is in effect during that period.",
  });
}

/**
 * The change behind createLlmPrice, inside the caller's transaction, so a bulk import can add
 * many prices in ONE transaction (all or nothing) with the same closing rule and audit entries.
 */
export async function addLlmPrice(tx: Tx, input: CreateLlmPriceBody, now = new Date()) {
  const from = input.effectiveFrom ? new Date(input.effectiveFrom) : now;
  await lockModel(tx, `llm:${input.provider}/${input.model}`);
  const closed = await closeLatest(tx, "llm_prices", "provider = $1 AND model = $2", [input.provider, input.model], from, LLM_COLUMNS);
  const { rows } = await tx.query(
    `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, cached_input_usd_per_million, effective_from, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${LLM_COLUMNS}`,
    [input.provider, input.model, input.inputUsdPerMillion, input.outputUsdPerMillion, input.cachedInputUsdPerMillion ?? null, from, input.note ?? ""],
  );
  return appended("llm_price", llmPriceJson, rows[0], closed);
}

export async function createSandboxPrice(actor: Actor, input: CreateSandboxPriceBody, now = new Date()) {
  return auditedChange(actor, (tx) => addSandboxPrice(tx, input, now), {
    conflict: "Another rate for this tier is in effect during that period.",
  });
}

/** The change behind createSandboxPrice, inside the caller's transaction (see addLlmPrice). */
export async function addSandboxPrice(tx: Tx, input: CreateSandboxPriceBody, now = new Date()) {
  const from = input.effectiveFrom ? new Date(input.effectiveFrom) : now;
  await lockModel(tx, `sandbox:${input.tier}`);
  const closed = await closeLatest(tx, "sandbox_prices", "tier = $1", [input.tier], from, SANDBOX_COLUMNS);
  const { rows } = await tx.query(
    `INSERT INTO sandbox_prices (tier, usd_per_second, effective_from, note) VALUES ($1, $2, $3, $4) RETURNING ${SANDBOX_COLUMNS}`,
    [input.tier, input.usdPerSecond, from, input.note ?? ""],
  );
  return appended("sandbox_price", sandboxPriceJson, rows[0], closed);
}

/** The new price, the one it closed, and their audit entries (the close first, as it happened). */
function appended<J extends { id: string }>(entity: "llm_price" | "sandbox_price", json: (row: any) => J, inserted: any, closed: { before: any; after: any } | null) {
  const price = json(inserted);
  const result = { price, closed: closed ? json(closed.after) : null };
  const audit: AuditEntry[] = [{ action: `${entity}.create`, entityType: entity, entityId: price.id, tenantId: null, before: null, after: price }];
  if (closed) {
    audit.unshift({ action: `${entity}.close`, entityType: entity, entityId: closed.before.id, tenantId: null, before: json(closed.before), after: result.closed });
  }
  return { result, audit };
}
