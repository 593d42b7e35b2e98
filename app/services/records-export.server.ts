// The explorer's CSV download: every record matching the page's filters, streamed in keyset
// batches (constant memory for millions of rows; the server pipes it with backpressure, see
// scripts/lib/remix-handler.ts), with spreadsheet-safe cells.
import { parseRecordsQuery, type Cursor, type RecordFilters, type RecordSort } from "~/schemas/records.ts";
import { cursorOf, withSlices, type CostRecordRow, type RecordScope } from "./records.server.ts";

const EXPORT_BATCH_TIMEOUT_MS = 30_000;
export const EXPORT_BATCH_SIZE = 5_000;

/**
 * Every record matching the filters, in the chosen order, as CSV. Rows are read in keyset
 * batches of `batchSize` (each its own short read transaction, so a slow download never holds
 * a connection), and a batch is read only when the consumer has taken the previous one.
 */
export function costRecordsCsv(
  scope: RecordScope,
  filters: RecordFilters,
  sort: RecordSort,
  batchSize = EXPORT_BATCH_SIZE,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: Cursor | undefined;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(csvHeader()));
      },
      async pull(controller) {
        const rows = await withSlices(scope, filters, sort, EXPORT_BATCH_TIMEOUT_MS, (read) => read(cursor, false, batchSize));
        if (cancelled) return;
        if (rows.length) controller.enqueue(encoder.encode(rows.map(csvRow).join("")));
        if (rows.length < batchSize) controller.close();
        else cursor = cursorOf(rows[rows.length - 1], sort);
      },
      cancel() {
        cancelled = true;
      },
    },
    // One batch queued at most: memory stays at about one batch whatever the export's size.
    { highWaterMark: 1 },
  );
}

/**
 * The CSV download for an explorer URL (the page's filters and sort; cursors are ignored: the
 * export is every matching record). A bad URL answers 400 with the reasons in plain text.
 */
export function csvResponse(scope: RecordScope, params: URLSearchParams, tenantSlug: string | undefined, now = new Date()): Response {
  const parsed = parseRecordsQuery(params, { fixedTenant: scope.kind === "tenant" });
  if (!parsed.ok) {
    const reasons = parsed.issues.map((i) => `- ${i.message}`).join("\n");
    return new Response(`These filters could not be used:\n${reasons}\n`, {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  const { filters, sort } = parsed.query;
  const filename = exportFilename(scope.kind === "tenant" ? tenantSlug : filters.tenant, now);
  return new Response(costRecordsCsv(scope, filters, sort), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/** "cost-records-acme-2026-03-18.csv": what was exported and when (UTC day). */
export function exportFilename(tenantSlug: string | undefined, now = new Date()): string {
  return `cost-records-${tenantSlug ?? "all-tenants"}-${now.toISOString().slice(0, 10)}.csv`;
}

// CSV: RFC 4180 quoting; money as the exact NUMERIC text; times in ISO 8601 (UTC).
// `text` marks free text that the metered product sends (user ids, conversation ids, …): it
// could start with "=", "+", "-" or "@", which spreadsheets run as a formula when the file is
// opened (CSV injection), so such cells get a leading apostrophe. Numbers, money, ids, times
// and booleans come from the database's own types and are written unaltered.
type CsvValue = string | number | boolean | null;
const CSV_COLUMNS: { name: string; get: (r: CostRecordRow) => CsvValue; text?: true }[] = [
  { name: "id", get: (r) => r.id },
  { name: "occurred_at", get: (r) => r.occurredAt },
  { name: "tenant", get: (r) => r.tenantSlug },
  { name: "tenant_name", get: (r) => r.tenantName, text: true },
  { name: "user_id", get: (r) => r.userId, text: true },
  { name: "conversation_id", get: (r) => r.conversationId, text: true },
  { name: "task_id", get: (r) => r.taskId, text: true },
  { name: "touchpoint", get: (r) => r.touchpoint, text: true },
  { name: "resource", get: (r) => r.resource },
  { name: "provider", get: (r) => r.provider, text: true },
  { name: "model", get: (r) => r.model, text: true },
  { name: "tier", get: (r) => r.tier, text: true },
  { name: "input_tokens", get: (r) => r.inputTokens },
  { name: "output_tokens", get: (r) => r.outputTokens },
  { name: "cached_input_tokens", get: (r) => r.cachedInputTokens },
  { name: "billed_duration_ms", get: (r) => r.billedDurationMs },
  { name: "active_duration_ms", get: (r) => r.activeDurationMs },
  { name: "cost_usd", get: (r) => r.costUsd },
  { name: "estimated_cost_usd", get: (r) => r.estimatedCostUsd },
  { name: "reservation_id", get: (r) => r.reservationId },
  { name: "late", get: (r) => r.late },
  { name: "backfill", get: (r) => r.backfill },
];

function csvCell(value: CsvValue, text: boolean): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const safe = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvHeader(): string {
  return CSV_COLUMNS.map((c) => c.name).join(",") + "\r\n";
}

export function csvRow(r: CostRecordRow): string {
  return CSV_COLUMNS.map((c) => csvCell(c.get(r), c.text ?? false)).join(",") + "\r\n";
}
