// Bulk LLM price import from CSV (the columns of prisma/seed-data/llm-prices-2026q1.csv).
// Two steps: `previewPriceImport` validates every row and says what would change, writing
// nothing; `importPrices` re-validates and, only when no row has an error, adds every price in
// ONE audited transaction through pricing.server's addLlmPrice (same closing rule as the form).
import { dbPool } from "~/db/client.server.ts";
import { createLlmPriceBody, type CreateLlmPriceBody } from "~/schemas/admin.ts";
import type { Actor } from "../audit.server.ts";
import { addLlmPrice } from "../pricing.server.ts";
import { importInOneTransaction, planAppends, type LatestPrice, type PriceRow } from "./appends.server.ts";
import { byRow, effectiveFromField, firstOfItsKind, rateField, readPriceFile, requiredPresent, schemaIssues, type ImportIssue } from "./file.ts";

export const PRICE_CSV_COLUMNS = [
  "provider",
  "model",
  "input_usd_per_1m",
  "output_usd_per_1m",
  "cached_input_usd_per_1m",
  "effective_from",
  "note",
] as const;
const REQUIRED = ["provider", "model", "input_usd_per_1m", "output_usd_per_1m", "effective_from"] as const;

export const LLM_PRICE_CSV_EXAMPLE = `${PRICE_CSV_COLUMNS.join(",")}
openai,gpt-5-mini,0.25,2.00,0.025,2026-12-01,list price
anthropic,claude-sonnet-4-5-20250929,3.00,15.00,,2026-12-01T09:00:00Z,"contracted rate, no cache price"
`;

type ParsedLlmPrice = CreateLlmPriceBody & { effectiveFrom: string };
export type ParsedPrice = PriceRow<ParsedLlmPrice>;

const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const COLUMN_OF: Record<string, string> = {
  inputUsdPerMillion: "input_usd_per_1m",
  outputUsdPerMillion: "output_usd_per_1m",
  cachedInputUsdPerMillion: "cached_input_usd_per_1m",
  effectiveFrom: "effective_from",
};

/** Validates the file's shape and every row on its own (no database). */
export function validatePriceCsv(text: string): { prices: ParsedPrice[]; issues: ImportIssue[] } {
  const { rows, issues } = readPriceFile(text, { columns: PRICE_CSV_COLUMNS, required: REQUIRED });
  const prices: ParsedPrice[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const before = issues.length;
    requiredPresent(r, REQUIRED, issues);
    const provider = r.get("provider");
    if (provider && !PROVIDER.test(provider)) {
      issues.push({ row: r.row, column: "provider", message: "must be lowercase letters, digits, dots, dashes or underscores (e.g. openai)" });
    }
    const model = r.get("model");
    if (model.length > 200) issues.push({ row: r.row, column: "model", message: "at most 200 characters" });
    const input = rateField(r, "input_usd_per_1m", issues);
    const output = rateField(r, "output_usd_per_1m", issues);
    const cached = rateField(r, "cached_input_usd_per_1m", issues);
    const from = effectiveFromField(r, "effective_from", issues);
    if (issues.length > before || !from) continue;
    if (!firstOfItsKind(seen, `${provider}/${model}@${from}`, r, "provider, model and effective_from", issues)) continue;
    const body = createLlmPriceBody.safeParse({
      provider,
      model,
      inputUsdPerMillion: input,
      outputUsdPerMillion: output,
      ...(cached !== undefined ? { cachedInputUsdPerMillion: cached } : {}),
      effectiveFrom: from,
      note: r.get("note"),
    });
    if (!body.success) schemaIssues(body.error, r.row, COLUMN_OF, issues);
    else prices.push({ row: r.row, price: { ...body.data, effectiveFrom: from } });
  }
  return { prices, issues: byRow(issues) };
}

type LlmRates = { inputUsdPerMillion: string; outputUsdPerMillion: string };

export interface PlannedChange {
  row: number;
  provider: string;
  model: string;
  effectiveFrom: string;
  inputUsdPerMillion: string;
  outputUsdPerMillion: string;
  cachedInputUsdPerMillion: string | null;
  /** new model, or the price it follows (its rates, as stored). */
  kind: "new_model" | "replaces";
  previous: (LlmRates & { effectiveFrom: string }) | null;
}

export interface ImportPreview {
  changes: PlannedChange[];
  issues: ImportIssue[];
}

async function planLlmImport(text: string) {
  const { prices, issues } = validatePriceCsv(text);
  if (prices.length === 0) return { planned: [], issues };
  const { rows } = await dbPool().query(
    `SELECT DISTINCT ON (provider, model) provider, model, input_usd_per_million::text AS input, output_usd_per_million::text AS output, effective_from
       FROM llm_prices ORDER BY provider, model, effective_from DESC`,
  );
  const latest = new Map<string, LatestPrice<LlmRates>>(
    rows.map((r) => [
      `${r.provider}/${r.model}`,
      { effectiveFrom: new Date(r.effective_from).toISOString(), rates: { inputUsdPerMillion: r.input, outputUsdPerMillion: r.output } },
    ]),
  );
  const plan = planAppends(prices, latest, {
    keyOf: (p) => `${p.provider}/${p.model}`,
    ratesOf: (p) => ({ inputUsdPerMillion: p.inputUsdPerMillion, outputUsdPerMillion: p.outputUsdPerMillion }),
    what: "price",
  });
  return { planned: plan.planned, issues: byRow([...issues, ...plan.issues]) };
}

/**
 * Validates rows, then against the database: prices are only appended, so each row must start
 * after the latest existing price of its model (and after earlier rows of the file for it).
 */
export async function previewPriceImport(text: string): Promise<ImportPreview> {
  const { planned, issues } = await planLlmImport(text);
  return {
    issues,
    changes: planned.map(({ row, price, previous }) => ({
      row,
      provider: price.provider,
      model: price.model,
      effectiveFrom: price.effectiveFrom,
      inputUsdPerMillion: price.inputUsdPerMillion,
      outputUsdPerMillion: price.outputUsdPerMillion,
      cachedInputUsdPerMillion: price.cachedInputUsdPerMillion ?? null,
      kind: previous ? "replaces" : "new_model",
      previous: previous ? { ...previous.rates, effectiveFrom: previous.effectiveFrom } : null,
    })),
  };
}

/** Imports a file with no errors, all or nothing; a file with errors → invalid_request. */
export async function importPrices(actor: Actor, text: string, now = new Date()): Promise<{ imported: number }> {
  const { planned, issues } = await planLlmImport(text);
  return importInOneTransaction(actor, { rows: planned, issues }, (tx, price) => addLlmPrice(tx, price, now), {
    type: "llm_price",
    conflict: "Another price for one of these models was added meanwhile; preview the file again.",
  });
}
