// What the LLM price and sandbox rate imports share before the database: the file's limits,
// the header check, one reader per row, and field readers that report each problem by its
// spreadsheet row and column. Each kind adds only its own columns and rules (llm.server.ts,
// sandbox.server.ts).
import type { z } from "zod";
import { parseCsv } from "../csv.ts";

export const MAX_IMPORT_BYTES = 512 * 1024;
export const MAX_IMPORT_ROWS = 2000;

/** Row numbers are spreadsheet rows: the header is row 1, the first price row 2. */
export interface ImportIssue {
  row: number;
  column: string;
  message: string;
}

/** One non-blank row whose field count matches the header; `get` trims, absent columns read "". */
export interface PriceFileRow {
  row: number;
  get: (column: string) => string;
}

export interface PriceFileSpec {
  columns: readonly string[];
  required: readonly string[];
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The file's size, header and row shapes. A fatal problem (too big, bad header, no rows, too
 * many rows) returns no rows; a row with the wrong field count is an issue and is skipped.
 */
export function readPriceFile(text: string, spec: PriceFileSpec): { rows: PriceFileRow[]; issues: ImportIssue[] } {
  const issues: ImportIssue[] = [];
  if (text.length > MAX_IMPORT_BYTES) return { rows: [], issues: [{ row: 0, column: "(file)", message: `the file is larger than ${MAX_IMPORT_BYTES / 1024} KiB` }] };
  const lines = parseCsv(text.replace(/^\uFEFF/, ""));
  while (lines.length && lines[lines.length - 1].every((f) => f.trim() === "")) lines.pop();
  if (lines.length === 0) return { rows: [], issues: [{ row: 1, column: "(header)", message: "the file is empty" }] };
  const header = lines[0].map((h) => h.trim().toLowerCase());
  for (const c of spec.required) {
    if (!header.includes(c)) issues.push({ row: 1, column: c, message: "missing column" });
  }
  for (const h of header) {
    if (!spec.columns.includes(h)) issues.push({ row: 1, column: h || "(blank)", message: "unknown column" });
  }
  if (issues.length) return { rows: [], issues };
  if (lines.length === 1) return { rows: [], issues: [{ row: 1, column: "(file)", message: "no price rows below the header" }] };
  if (lines.length - 1 > MAX_IMPORT_ROWS) return { rows: [], issues: [{ row: 0, column: "(file)", message: `at most ${MAX_IMPORT_ROWS} rows per import` }] };

  const rows: PriceFileRow[] = [];
  lines.slice(1).forEach((fields, i) => {
    const row = i + 2;
    if (fields.every((f) => f.trim() === "")) return; // blank line
    if (fields.length !== header.length) {
      issues.push({ row, column: "(row)", message: `has ${fields.length} fields; the header has ${header.length}` });
      return;
    }
    rows.push({ row, get: (c) => (fields[header.indexOf(c)] ?? "").trim() });
  });
  return { rows, issues };
}

/** Reports each blank required column of the row; true when none is blank. */
export function requiredPresent(r: PriceFileRow, required: readonly string[], issues: ImportIssue[]): boolean {
  const before = issues.length;
  for (const c of required) if (r.get(c) === "") issues.push({ row: r.row, column: c, message: "is required" });
  return issues.length === before;
}

/** A non-negative decimal as written (the exact text goes to NUMERIC); blank → undefined. */
export function rateField(r: PriceFileRow, column: string, issues: ImportIssue[]): string | undefined {
  const raw = r.get(column);
  if (raw === "") return undefined;
  if (!DECIMAL.test(raw)) {
    issues.push({ row: r.row, column, message: "must be a number such as 2.50" });
    return undefined;
  }
  if (raw.startsWith("-")) {
    issues.push({ row: r.row, column, message: "must not be negative" });
    return undefined;
  }
  return raw;
}

/** A date (UTC midnight) or an ISO time with a zone, as an ISO string; blank → undefined. */
export function effectiveFromField(r: PriceFileRow, column: string, issues: ImportIssue[]): string | undefined {
  const raw = r.get(column);
  if (raw === "") return undefined;
  const iso = parseDate(raw);
  if (!iso) issues.push({ row: r.row, column, message: "must be a date (YYYY-MM-DD) or an ISO time with a zone" });
  return iso ?? undefined;
}

function parseDate(raw: string): string | null {
  if (!DATE.test(raw) && !ZONED_TIME.test(raw)) return null;
  const d = new Date(DATE.test(raw) ? `${raw}T00:00:00.000Z` : raw);
  if (Number.isNaN(d.getTime()) || (DATE.test(raw) && d.toISOString().slice(0, 10) !== raw)) return null;
  return d.toISOString();
}

/**
 * A second row for the same key (model or tier) and start is an error on the later row: which
 * of the two prices was meant cannot be guessed. Returns false for such a repeat.
 */
export function firstOfItsKind(seen: Map<string, number>, key: string, r: PriceFileRow, what: string, issues: ImportIssue[]): boolean {
  const first = seen.get(key);
  if (first !== undefined) {
    issues.push({ row: r.row, column: "(row)", message: `duplicates row ${first} (same ${what})` });
    return false;
  }
  seen.set(key, r.row);
  return true;
}

/** The API schema's own verdict on a row, reported under the CSV's column names. */
export function schemaIssues(error: z.ZodError, row: number, columnOf: Record<string, string>, issues: ImportIssue[]) {
  for (const is of error.issues) {
    const path = String(is.path[0] ?? "(row)");
    issues.push({ row, column: columnOf[path] ?? path, message: is.message });
  }
}

/** Issues in row order; a row's own issues keep the order they were found in. */
export const byRow = (issues: ImportIssue[]) => issues.sort((a, b) => a.row - b.row);
