// The two price files the pricing page imports, side by side, so the import page and the
// template download pick one by its `kind` (the same word /pricing/new uses).
import type { Actor } from "../audit.server.ts";
import { importPrices, LLM_PRICE_CSV_EXAMPLE, PRICE_CSV_COLUMNS, previewPriceImport } from "./llm.server.ts";
import { importSandboxPrices, previewSandboxPriceImport, SANDBOX_PRICE_CSV_COLUMNS, SANDBOX_PRICE_CSV_EXAMPLE } from "./sandbox.server.ts";

export type PriceImportKind = "llm" | "sandbox";

export const priceImportKind = (v: unknown): PriceImportKind => (v === "sandbox" ? "sandbox" : "llm");

export const PRICE_IMPORT_FILES = {
  llm: { columns: PRICE_CSV_COLUMNS, example: LLM_PRICE_CSV_EXAMPLE, filename: "llm-prices-example.csv" },
  sandbox: { columns: SANDBOX_PRICE_CSV_COLUMNS, example: SANDBOX_PRICE_CSV_EXAMPLE, filename: "sandbox-rates-example.csv" },
} as const;

/** The dry run, tagged with its kind so a page can tell the two change lists apart. */
export async function previewImport(kind: PriceImportKind, csv: string) {
  return kind === "llm"
    ? { kind: "llm" as const, ...(await previewPriceImport(csv)) }
    : { kind: "sandbox" as const, ...(await previewSandboxPriceImport(csv)) };
}

export function runImport(kind: PriceImportKind, actor: Actor, csv: string) {
  return kind === "llm" ? importPrices(actor, csv) : importSandboxPrices(actor, csv);
}

/** The example file as a download (what the columns look like, with values that parse). */
export function exampleFileResponse(kind: PriceImportKind): Response {
  const file = PRICE_IMPORT_FILES[kind];
  return new Response(file.example, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "Cache-Control": "no-store",
    },
  });
}
