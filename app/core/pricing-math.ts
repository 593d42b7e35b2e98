// Cost arithmetic for one priced unit of usage. Pure: the effective-dated lookup of which
// price row applies lives in pricing.ts.
import { Money, money, type MoneyInput } from "./money.ts";

const PER_MILLION = new Money(1_000_000);

export interface LlmRate {
  inputUsdPerMillion: MoneyInput;
  outputUsdPerMillion: MoneyInput;
  cachedInputUsdPerMillion?: MoneyInput | null;
}

export interface LlmTokens {
  inputTokens: number;
  outputTokens: number;
  /** Part of inputTokens served from the provider's prompt cache (billed at the cached rate). */
  cachedInputTokens?: number;
}

/** USD for LLM tokens at a per-million rate; cached input tokens use the cached rate when set. */
export function llmCostUsd(rate: LlmRate, t: LlmTokens): Money {
  const cached = Math.min(t.cachedInputTokens ?? 0, t.inputTokens);
  const cachedRate = rate.cachedInputUsdPerMillion == null ? money(rate.inputUsdPerMillion) : money(rate.cachedInputUsdPerMillion);
  return money(rate.inputUsdPerMillion)
    .mul(t.inputTokens - cached)
    .add(cachedRate.mul(cached))
    .add(money(rate.outputUsdPerMillion).mul(t.outputTokens))
    .div(PER_MILLION)
    .toDecimalPlaces(10);
}

/** USD for a sandbox run: the per-second rate prorated to the millisecond. */
export function sandboxCostUsd(usdPerSecond: MoneyInput, durationMs: number): Money {
  return money(usdPerSecond).mul(durationMs).div(1000).toDecimalPlaces(10);
}
