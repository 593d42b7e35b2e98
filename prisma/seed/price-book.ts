// The effective-dated price rows as stored, for pricing generated usage with the row that was
// in effect at its time, exactly as the enforcement core would.
import { money, type Money } from "../../app/core/money.ts";
import type { Sql } from "./bulk.ts";

interface Effective {
  id: string;
  from: number;
  to: number | null;
}
export interface LlmPriceInEffect extends Effective {
  inputUsdPerMillion: Money;
  outputUsdPerMillion: Money;
  cachedInputUsdPerMillion: Money | null;
}
export interface SandboxPriceInEffect extends Effective {
  usdPerSecond: Money;
}

function inEffect<T extends Effective>(rows: T[] | undefined, at: number): T | undefined {
  return rows?.find((r) => r.from <= at && (r.to === null || at < r.to));
}

export class PriceBook {
  constructor(
    private readonly llm: Map<string, LlmPriceInEffect[]>,
    private readonly sandbox: Map<string, SandboxPriceInEffect[]>,
  ) {}

  static async load(sql: Sql): Promise<PriceBook> {
    const llmRows = await sql.$queryRawUnsafe<
      { id: string; key: string; input: string; output: string; cached: string | null; from: Date; to: Date | null }[]
    >(`SELECT id::text, provider || '/' || model AS key, input_usd_per_million::text AS input,
              output_usd_per_million::text AS output, cached_input_usd_per_million::text AS cached,
              effective_from AS "from", effective_to AS "to"
         FROM llm_prices ORDER BY key, effective_from`);
    const sandboxRows = await sql.$queryRawUnsafe<{ id: string; tier: string; rate: string; from: Date; to: Date | null }[]>(
      `SELECT id::text, tier, usd_per_second::text AS rate, effective_from AS "from", effective_to AS "to"
         FROM sandbox_prices ORDER BY tier, effective_from`,
    );
    const llm = new Map<string, LlmPriceInEffect[]>();
    for (const r of llmRows) {
      const list = llm.get(r.key) ?? [];
      list.push({
        id: r.id,
        from: r.from.getTime(),
        to: r.to?.getTime() ?? null,
        inputUsdPerMillion: money(r.input),
        outputUsdPerMillion: money(r.output),
        cachedInputUsdPerMillion: r.cached === null ? null : money(r.cached),
      });
      llm.set(r.key, list);
    }
    const sandbox = new Map<string, SandboxPriceInEffect[]>();
    for (const r of sandboxRows) {
      const list = sandbox.get(r.tier) ?? [];
      list.push({ id: r.id, from: r.from.getTime(), to: r.to?.getTime() ?? null, usdPerSecond: money(r.rate) });
      sandbox.set(r.tier, list);
    }
    return new PriceBook(llm, sandbox);
  }

  /** undefined when no price for the model was in effect at `at` (usage before the price list). */
  llmAt(modelKey: string, at: number) {
    return inEffect(this.llm.get(modelKey), at);
  }

  sandboxAt(tier: string, at: number) {
    return inEffect(this.sandbox.get(tier), at);
  }
}
