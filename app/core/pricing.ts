// Effective-dated price lookup: the price in effect at the usage time, never "the latest".
import type { Queryable } from "./db.ts";
import { money, type Money } from "./money.ts";
import { llmCostUsd, sandboxCostUsd } from "./pricing-math.ts";
import { TollgateError, type EstimateInput } from "./types.ts";

export interface LlmPriceRow {
  id: string;
  inputUsdPerMillion: string;
  outputUsdPerMillion: string;
  cachedInputUsdPerMillion: string | null;
}

export interface SandboxPriceRow {
  id: string;
  usdPerSecond: string;
}

export async function llmPriceAt(q: Queryable, provider: string, model: string, at: Date): Promise<LlmPriceRow> {
  const { rows } = await q.query(
    `SELECT id, input_usd_per_million::text AS "inputUsdPerMillion", output_usd_per_million::text AS "outputUsdPerMillion",
            cached_input_usd_per_million::text AS "cachedInputUsdPerMillion"
       FROM llm_prices
      WHERE provider = $1 AND model = $2 AND effective_from <= $3 AND (effective_to IS NULL OR effective_to > $3)
      LIMIT 1`,
    [provider, model, at],
  );
  if (!rows[0]) {
    throw new TollgateError("unknown_price", `No price for ${provider}/${model} is in effect at ${at.toISOString()}.`, [
      { path: "model", message: `unknown model ${provider}/${model}` },
    ]);
  }
  return rows[0];
}

export async function sandboxPriceAt(q: Queryable, tier: string, at: Date): Promise<SandboxPriceRow> {
  const { rows } = await q.query(
    `SELECT id, usd_per_second::text AS "usdPerSecond" FROM sandbox_prices
      WHERE tier = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2)
      LIMIT 1`,
    [tier, at],
  );
  if (!rows[0]) {
    throw new TollgateError("unknown_price", `No price for sandbox tier "${tier}" is in effect at ${at.toISOString()}.`, [
      { path: "tier", message: `unknown tier ${tier}` },
    ]);
  }
  return rows[0];
}

export interface PricedCost {
  costUsd: Money;
  llmPriceId?: string;
  sandboxPriceId?: string;
}

/** The estimate of SPEC §4: input + max output tokens, tier × expected seconds, or the given amount. */
export async function estimateCost(q: Queryable, input: EstimateInput, at: Date): Promise<PricedCost> {
  if ("estimatedCostUsd" in input && input.estimatedCostUsd !== undefined) {
    return { costUsd: money(input.estimatedCostUsd).toDecimalPlaces(10) };
  }
  if (input.resource === "llm" && "model" in input) {
    const p = await llmPriceAt(q, input.provider, input.model, at);
    return {
      costUsd: llmCostUsd(p, { inputTokens: input.inputTokens, outputTokens: input.maxOutputTokens }),
      llmPriceId: p.id,
    };
  }
  if (input.resource === "sandbox" && "tier" in input) {
    const p = await sandboxPriceAt(q, input.tier, at);
    return { costUsd: sandboxCostUsd(p.usdPerSecond, input.expectedSeconds * 1000), sandboxPriceId: p.id };
  }
  throw new TollgateError("invalid_request", "Give provider, model and token counts, tier and expectedSeconds, or estimatedCostUsd.");
}
