// Bulk LLM price import from CSV (the columns of prisma/seed-data/llm-prices-2026q1.csv).
// Two steps: `previewPriceImport` validates every row and says what would change, writing
// nothing; `importPrices` re-validates and, only when no row has an error, adds every price in
// ONE audited transaction through pricing.server's addLlmPrice (same closing rule as the form).
import { TollgateError } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import { createLlmPriceBody, type CreateLlmPriceBody } from "~/schemas/admin.ts";
import { auditedChange, type Actor, type AuditEntry } from "./audit.server.ts";
import { addLlmPrice } from "./pricing.server.ts";

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
export const MAX_IMPORT_BYTES = 512 * 1024;
export const MAX_IMPORT_ROWS = 2000;

/** Row numbers are spreadsheet rows: the header is row 1, the first price row 2. */
export interface ImportIssue {
  row: number;
  column: string;
  message: string;
}

export interface ParsedPrice {
  row: number;
  price: CreateLlmPriceBody & { effectiveFrom: string };
}

const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** RFC 4180 fields: commas, double quotes ("" inside quotes), CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field), rows.push(row), (row = []), (field = "");
    } else field += c;
  }
  if (field !== "" || row.length) row.push(field), rows.push(row);
  return rows;
}

function parseDate(raw: string): string | null {
  const iso = DATE.test(raw) ? `${raw}T00:00:00.000Z` : raw;
  if (!DATE.test(raw) && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || (DATE.test(raw) && d.toISOString().slice(0, 10) !== raw)) return null;
  return d.toISOString();
}

function rate(raw: string, column: string, row: number, issues: ImportIssue[]): string | undefined {
  if (!DECIMAL.test(raw)) {
    issues.push({ row, column, message: "must be a number such as 2.50" });
    return undefined;
  }
  if (raw.startsWith("-")) {
    issues.push({ row, column, message: "must not be negative" });
    return undefined;
  }
  return raw;
}

/** Validates the file's shape and every row on its own (no database). */
export function validatePriceCsv(text: string): { prices: ParsedPrice[]; issues: ImportIssue[] } {
  const issues: ImportIssue[] = [];
  if (text.length > MAX_IMPORT_BYTES) return { prices: [], issues: [{ row: 0, column: "(file)", message: `the file is larger than ${MAX_IMPORT_BYTES / 1024} KiB` }] };
  const rows = parseCsv(text.replace(/^\uFEFF/, ""));
  while (rows.length && rows[rows.length - 1].every((f) => f.trim() === "")) rows.pop();
  if (rows.length === 0) return { prices: [], issues: [{ row: 1, column: "(header)", message: "the file is empty" }] };
  const header = rows[0].map((h) => h.trim().toLowerCase());
  for (const c of REQUIRED) {
    if (!header.includes(c)) issues.push({ row: 1, column: c, message: "missing column" });
  }
  for (const h of header) {
    if (!(PRICE_CSV_COLUMNS as readonly string[]).includes(h)) issues.push({ row: 1, column: h || "(blank)", message: "unknown column" });
  }
  if (issues.length) return { prices: [], issues };
  if (rows.length === 1) return { prices: [], issues: [{ row: 1, column: "(file)", message: "no price rows below the header" }] };
  if (rows.length - 1 > MAX_IMPORT_ROWS) return { prices: [], issues: [{ row: 0, column: "(file)", message: `at most ${MAX_IMPORT_ROWS} rows per import` }] };

  const prices: ParsedPrice[] = [];
  const seen = new Map<string, number>();
  rows.slice(1).forEach((fields, i) => {
    const row = i + 2;
    if (fields.every((f) => f.trim() === "")) return; // blank line
    if (fields.length !== header.length) {
      issues.push({ row, column: "(row)", message: `has ${fields.length} fields; the header has ${header.length}` });
      return;
    }
    const get = (c: string) => (fields[header.indexOf(c)] ?? "").trim();
    const before = issues.length;
    for (const c of REQUIRED) if (get(c) === "") issues.push({ row, column: c, message: "is required" });
    const provider = get("provider");
    if (provider && !PROVIDER.test(provider)) {
      issues.push({ row, column: "provider", message: "must be lowercase letters, digits, dots, dashes or underscores (e.g. openai)" });
    }
    const model = get("model");
    if (model.length > 200) issues.push({ row, column: "model", message: "at most 200 characters" });
    const input = get("input_usd_per_1m") && rate(get("input_usd_per_1m"), "input_usd_per_1m", row, issues);
    const output = get("output_usd_per_1m") && rate(get("output_usd_per_1m"), "output_usd_per_1m", row, issues);
    const cached = header.includes("cached_input_usd_per_1m") && get("cached_input_usd_per_1m") ? rate(get("cached_input_usd_per_1m"), "cached_input_usd_per_1m", row, issues) : undefined;
    const rawDate = get("effective_from");
    const from = rawDate ? parseDate(rawDate) : null;
    if (rawDate && !from) issues.push({ row, column: "effective_from", message: "must be a date (YYYY-MM-DD) or an ISO time with a zone" });
    const note = header.includes("note") ? get("note") : "";
    if (issues.length > before || !from) return;
    const key = `${provider}/${model}@${from}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ row, column: "(row)", message: `duplicates row ${first} (same provider, model and effective_from)` });
      return;
    }
    seen.set(key, row);
    const body = createLlmPriceBody.safeParse({
      provider,
      model,
      inputUsdPerMillion: input,
      outputUsdPerMillion: output,
      ...(cached !== undefined ? { cachedInputUsdPerMillion: cached } : {}),
      effectiveFrom: from,
      note,
    });
    if (!body.success) {
      for (const is of body.error.issues) issues.push({ row, column: columnOf(String(is.path[0] ?? "(row)")), message: is.message });
      return;
    }
    prices.push({ row, price: { ...body.data, effectiveFrom: from } });
  });
  return { prices, issues };
}

const COLUMN_OF: Record<string, string> = {
  inputUsdPerMillion: "input_usd_per_1m",
  outputUsdPerMillion: "output_usd_per_1m",
  cachedInputUsdPerMillion: "cached_input_usd_per_1m",
  effectiveFrom: "effective_from",
};
const columnOf = (path: string) => COLUMN_OF[path] ?? path;

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
  previous: { inputUsdPerMillion: string; outputUsdPerMillion: string; effectiveFrom: string } | null;
}

export interface ImportPreview {
  changes: PlannedChange[];
  issues: ImportIssue[];
}

/**
 * Validates rows, then against the database: prices are only appended, so each row must start
 * after the latest existing price of its model (and after earlier rows of the file for it).
 */
export async function previewPriceImport(text: string): Promise<ImportPreview> {
  const { prices, issues } = validatePriceCsv(text);
  if (prices.length === 0) return { changes: [], issues };
  const { rows } = await dbPool().query(
    `SELECT DISTINCT ON (provider, model) provider, model, input_usd_per_million::text AS input, output_usd_per_million::text AS output, effective_from
       FROM llm_prices ORDER BY provider, model, effective_from DESC`,
  );
  const latest = new Map<string, { input: string; output: string; from: string }>(
    rows.map((r) => [`${r.provider}/${r.model}`, { input: r.input, output: r.output, from: new Date(r.effective_from).toISOString() }]),
  );
  const changes: PlannedChange[] = [];
  const ordered = [...prices].sort((a, b) => a.price.effectiveFrom.localeCompare(b.price.effectiveFrom) || a.row - b.row);
  for (const { row, price } of ordered) {
    const key = `${price.provider}/${price.model}`;
    const prev = latest.get(key);
    if (prev && prev.from >= price.effectiveFrom) {
      issues.push({ row, column: "effective_from", message: `must be after ${prev.from}, when the latest price of ${key} starts` });
      continue;
    }
    changes.push({
      row,
      provider: price.provider,
      model: price.model,
      effectiveFrom: price.effectiveFrom,
      inputUsdPerMillion: price.inputUsdPerMillion,
      outputUsdPerMillion: price.outputUsdPerMillion,
      cachedInputUsdPerMillion: price.cachedInputUsdPerMillion ?? null,
      kind: prev ? "replaces" : "new_model",
      previous: prev ? { inputUsdPerMillion: prev.input, outputUsdPerMillion: prev.output, effectiveFrom: prev.from } : null,
    });
    latest.set(key, { input: price.inputUsdPerMillion, output: price.outputUsdPerMillion, from: price.effectiveFrom });
  }
  issues.sort((a, b) => a.row - b.row);
  changes.sort((a, b) => a.row - b.row);
  return { changes, issues };
}

/** Imports a file with no errors, all or nothing; a file with errors → invalid_request. */
export async function importPrices(actor: Actor, text: string, now = new Date()): Promise<{ imported: number }> {
  const preview = await previewPriceImport(text);
  if (preview.issues.length) {
    throw new TollgateError("invalid_request", `The file has ${preview.issues.length} error(s); nothing was imported.`, preview.issues.map((i) => ({ path: `row ${i.row}.${i.column}`, message: i.message })));
  }
  const { prices } = validatePriceCsv(text);
  const ordered = [...prices].sort((a, b) => a.price.effectiveFrom.localeCompare(b.price.effectiveFrom) || a.row - b.row);
  return auditedChange(
    actor,
    async (tx) => {
      const audit: AuditEntry[] = [];
      for (const { price } of ordered) audit.push(...(await addLlmPrice(tx, price, now)).audit);
      audit.push({ action: "llm_price.import", entityType: "llm_price", entityId: null, tenantId: null, before: null, after: { rows: ordered.length } });
      return { result: { imported: ordered.length }, audit };
    },
    { conflict: "Another price for one of these models was added meanwhile; preview the file again." },
  );
}
