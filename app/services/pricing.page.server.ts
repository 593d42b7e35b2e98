// The pricing page's reads and the one change the API has no endpoint for (a row's note).
// New prices go through pricing.server (createLlmPrice / createSandboxPrice) unchanged.
import { isUuid, TollgateError } from "~/core/index.ts";
import { auditedChange, type Actor } from "./audit.server.ts";
import { listLlmPrices, listSandboxPrices } from "./pricing.server.ts";


export async function currentPrices(now = new Date()) {
  const at = now.toISOString();
  const [llm, sandbox] = await Promise.all([listLlmPrices({ at }), listSandboxPrices({ at })]);
  return { llm, sandbox, asOf: at };
}

export type PriceKind = "llm" | "sandbox";

/** Every row of one model or tier, newest first. */
export async function priceHistory(kind: PriceKind, key: { provider?: string; model?: string; tier?: string }) {
  if (kind === "llm") return key.provider && key.model ? listLlmPrices({ provider: key.provider, model: key.model }) : [];
  const tier = key.tier as "standard" | "gpu" | "high-memory" | "high-cpu" | undefined;
  return tier ? listSandboxPrices({ tier }) : [];
}

/** Notes are descriptive only (no cost depends on them), so unlike rates they may be edited. */
export async function updatePriceNote(actor: Actor, kind: PriceKind, id: string, note: string) {
  const table = kind === "llm" ? "llm_prices" : "sandbox_prices";
  if (!isUuid(id)) throw new TollgateError("not_found", "No such price.");
  return auditedChange(actor, async (tx) => {
    const { rows } = await tx.query(`SELECT id, note FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows[0]) throw new TollgateError("not_found", "No such price.");
    await tx.query(`UPDATE ${table} SET note = $2 WHERE id = $1`, [id, note]);
    return {
      result: { id, note },
      audit: [{ action: `${kind}_price.note`, entityType: `${kind}_price`, entityId: id, tenantId: null, before: { note: rows[0].note }, after: { note } }],
    };
  });
}
