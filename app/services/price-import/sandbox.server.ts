// Bulk sandbox rate import from CSV (the columns of prisma/seed-data/sandbox-prices.csv), the
// same two steps as the LLM import: a dry run that lists every row's errors and what would
// change, then an all-or-nothing import through pricing.server's addSandboxPrice (the form's
// closing rule) in ONE audited transaction.
import { dbPool } from "~/db/client.server.ts";
import { createSandboxPriceBody, sandboxTier, type CreateSandboxPriceBody } from "~/schemas/admin.ts";
import type { Actor } from "../audit.server.ts";
import { addSandboxPrice } from "../pricing.server.ts";
import { importInOneTransaction, planAppends, type LatestPrice, type PriceRow } from "./appends.server.ts";
import { byRow, effectiveFromField, firstOfItsKind, rateField, readPriceFile, requiredPresent, schemaIssues, type ImportIssue } from "./file.ts";

export const SANDBOX_PRICE_CSV_COLUMNS = ["tier", "usd_per_second", "effective_from", "note"] as const;
const REQUIRED = ["tier", "usd_per_second", "effective_from"] as const;

export const SANDBOX_PRICE_CSV_EXAMPLE = `${SANDBOX_PRICE_CSV_COLUMNS.join(",")}
standard,0.00012,2026-12-01,contracted rate
gpu,0.0018,2026-12-01T09:00:00Z,"contracted rate, GPU"
`;

type ParsedSandboxPrice = CreateSandboxPriceBody & { effectiveFrom: string };
const COLUMN_OF: Record<string, string> = { usdPerSecond: "usd_per_second", effectiveFrom: "effective_from" };
const TIERS: readonly string[] = sandboxTier.options;

/** Validates the file's shape and every row on its own (no database). */
export function validateSandboxPriceCsv(text: string): { prices: PriceRow<ParsedSandboxPrice>[]; issues: ImportIssue[] } {
  const { rows, issues } = readPriceFile(text, { columns: SANDBOX_PRICE_CSV_COLUMNS, required: REQUIRED });
  const prices: PriceRow<ParsedSandboxPrice>[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const before = issues.length;
    requiredPresent(r, REQUIRED, issues);
    const tier = r.get("tier");
    if (tier && !TIERS.includes(tier)) issues.push({ row: r.row, column: "tier", message: `must be one of ${TIERS.join(", ")}` });
    const usdPerSecond = rateField(r, "usd_per_second", issues);
    const from = effectiveFromField(r, "effective_from", issues);
    if (issues.length > before || !from) continue;
    if (!firstOfItsKind(seen, `${tier}@${from}`, r, "tier and effective_from", issues)) continue;
    const body = createSandboxPriceBody.safeParse({ tier, usdPerSecond, effectiveFrom: from, note: r.get("note") });
    if (!body.success) schemaIssues(body.error, r.row, COLUMN_OF, issues);
    else prices.push({ row: r.row, price: { ...body.data, effectiveFrom: from } });
  }
  return { prices, issues: byRow(issues) };
}

export interface SandboxPlannedChange {
  row: number;
  tier: string;
  usdPerSecond: string;
  effectiveFrom: string;
  /** a tier without a rate yet, or the rate it follows (as stored). */
  kind: "new_tier" | "replaces";
  previous: { usdPerSecond: string; effectiveFrom: string } | null;
}

export interface SandboxImportPreview {
  changes: SandboxPlannedChange[];
  issues: ImportIssue[];
}

async function planSandboxImport(text: string) {
  const { prices, issues } = validateSandboxPriceCsv(text);
  if (prices.length === 0) return { planned: [], issues };
  const { rows } = await dbPool().query(
    `SELECT DISTINCT ON (tier) tier, usd_per_second::text AS rate, effective_from FROM sandbox_prices ORDER BY tier, effective_from DESC`,
  );
  const latest = new Map<string, LatestPrice<string>>(
    rows.map((r) => [r.tier, { effectiveFrom: new Date(r.effective_from).toISOString(), rates: r.rate }]),
  );
  const plan = planAppends(prices, latest, { keyOf: (p) => p.tier, ratesOf: (p) => p.usdPerSecond, what: "rate" });
  return { planned: plan.planned, issues: byRow([...issues, ...plan.issues]) };
}

/** The dry run: every row's errors (file and database) and the rates that would be added. */
export async function previewSandboxPriceImport(text: string): Promise<SandboxImportPreview> {
  const { planned, issues } = await planSandboxImport(text);
  return {
    issues,
    changes: planned.map(({ row, price, previous }) => ({
      row,
      tier: price.tier,
      usdPerSecond: price.usdPerSecond,
      effectiveFrom: price.effectiveFrom,
      kind: previous ? "replaces" : "new_tier",
      previous: previous ? { usdPerSecond: previous.rates, effectiveFrom: previous.effectiveFrom } : null,
    })),
  };
}

/** Imports a file with no errors, all or nothing; a file with errors → invalid_request. */
export async function importSandboxPrices(actor: Actor, text: string, now = new Date()): Promise<{ imported: number }> {
  const { planned, issues } = await planSandboxImport(text);
  return importInOneTransaction(actor, { rows: planned, issues }, (tx, price) => addSandboxPrice(tx, price, now), {
    type: "sandbox_price",
    conflict: "Another rate for one of these tiers was added meanwhile; preview the file again.",
  });
}
