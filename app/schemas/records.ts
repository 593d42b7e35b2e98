// The cost-records explorer's URL contract: filters, sort and keyset cursor, validated with zod.
// The URL is the whole state of the page (shareable, bookmarkable), so everything a person can
// choose round-trips through `recordsSearch` and back through `parseRecordsQuery`.
import { z } from "zod";
import { safeText } from "./text.ts";
import { PAGE_LINK_HINT, bigintId, decodePageCursor, encodePageCursor } from "./page-cursor.ts";

export const PAGE_SIZE = 50;

export const RECORD_SORTS = ["time_desc", "time_asc", "cost_desc", "cost_asc"] as const;
export type RecordSort = (typeof RECORD_SORTS)[number];
export const SORT_LABEL: Record<RecordSort, string> = {
  time_desc: "Newest first",
  time_asc: "Oldest first",
  cost_desc: "Most expensive first",
  cost_asc: "Cheapest first",
};

/** What the sort orders by; a cursor carries its value for the row it points at. */
export type SortKey = "time" | "cost";
export const sortKey = (sort: RecordSort): SortKey => (sort.startsWith("time") ? "time" : "cost");
export const sortDescending = (sort: RecordSort) => sort.endsWith("_desc");

/** The filters, as the URL names them. Absent = not filtered. */
export interface RecordFilters {
  tenant?: string;
  user?: string;
  model?: string;
  touchpoint?: string;
  resource?: "llm" | "sandbox";
  /** First UTC day included, YYYY-MM-DD. */
  from?: string;
  /** Last UTC day included, YYYY-MM-DD. */
  to?: string;
  conversation?: string;
  task?: string;
}

export const FILTER_KEYS = [
  "tenant", "user", "model", "touchpoint", "resource", "from", "to", "conversation", "task",
] as const satisfies readonly (keyof RecordFilters)[];

/** A position in the ordered result: the sort key's value and the row id (the tie-breaker). */
export interface Cursor {
  key: SortKey;
  /** ISO timestamp (time) or the exact NUMERIC text (cost). */
  value: string;
  id: string;
}

export interface RecordsQuery {
  filters: RecordFilters;
  sort: RecordSort;
  /** Rows strictly after this position (Next), or strictly before it (Previous). */
  after?: Cursor;
  before?: Cursor;
}

// Empty inputs mean "no filter": a GET form submits every field, filled or not.
const blankToUndefined = (v: unknown) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim()) : v);
const text = (label: string) =>
  z.preprocess(blankToUndefined, safeText({ label }).max(200, `${label} can be at most 200 characters.`).optional());
const day = (label: string) =>
  z.preprocess(
    blankToUndefined,
    z.iso.date({ error: `${label} must be a date like 2026-03-31.` }).optional(),
  );

const cursorShape = z.object({
  k: z.enum(["time", "cost"]),
  v: z.string().max(64),
  i: bigintId,
});

/** Cursors are opaque in the URL (see page-cursor.ts). */
export function encodeCursor(c: Cursor): string {
  return encodePageCursor({ k: c.key, v: c.value, i: c.id });
}

export function decodeCursor(raw: string): Cursor | null {
  const parsed = decodePageCursor(raw, cursorShape);
  if (!parsed) return null;
  const { k, v, i } = parsed;
  // The value goes into SQL as a typed parameter; reject anything that is not one.
  if (k === "time" && !z.iso.datetime({ offset: true }).safeParse(v).success) return null;
  if (k === "cost" && !/^-?\d{1,14}(\.\d{1,10})?$/.test(v)) return null;
  return { key: k, value: v, id: i };
}

const cursorParam = z.preprocess(
  blankToUndefined,
  z
    .string()
    .max(400, PAGE_LINK_HINT)
    .transform((raw, ctx) => {
      const c = decodeCursor(raw);
      if (!c) ctx.addIssue({ code: "custom", message: PAGE_LINK_HINT });
      return c ?? undefined;
    })
    .optional(),
);

const recordsParams = z
  .object({
    tenant: z.preprocess(
      blankToUndefined,
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "Tenant must be a tenant's URL name, e.g. acme.").optional(),
    ),
    user: text("User"),
    model: text("Model"),
    touchpoint: text("Touchpoint"),
    resource: z.preprocess(
      blankToUndefined,
      z.enum(["llm", "sandbox"], { error: "Resource must be LLM or Sandbox." }).optional(),
    ),
    from: day("From"),
    to: day("To"),
    conversation: text("Conversation ID"),
    task: text("Task ID"),
    sort: z.preprocess(
      blankToUndefined,
      z.enum(RECORD_SORTS, { error: "Sort must be one of the listed orders." }).default("time_desc"),
    ),
    after: cursorParam,
    before: cursorParam,
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "To must be on or after From." });
    }
    if (q.after && q.before) {
      ctx.addIssue({ code: "custom", path: ["after"], message: PAGE_LINK_HINT });
    }
    const cursor = q.after ?? q.before;
    if (cursor && cursor.key !== sortKey(q.sort)) {
      ctx.addIssue({ code: "custom", path: [q.after ? "after" : "before"], message: PAGE_LINK_HINT });
    }
  });

export interface FieldIssue {
  /** The URL parameter at fault ("" when it concerns the query as a whole). */
  field: string;
  message: string;
}

export type ParsedRecordsQuery = { ok: true; query: RecordsQuery } | { ok: false; issues: FieldIssue[] };

/**
 * Validates an explorer URL. `fixedTenant` (the tenant-scoped explorer) ignores any `tenant`
 * parameter: the tenant comes from the path, never from the query.
 */
export function parseRecordsQuery(params: URLSearchParams, opts: { fixedTenant?: boolean } = {}): ParsedRecordsQuery {
  const raw: Record<string, string> = {};
  for (const key of [...FILTER_KEYS, "sort", "after", "before"]) {
    const v = params.get(key);
    if (v !== null) raw[key] = v;
  }
  if (opts.fixedTenant) delete raw.tenant;
  const parsed = recordsParams.safeParse(raw);
  if (!parsed.success) {
    const seen = new Set<string>();
    const issues: FieldIssue[] = [];
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? "");
      if (seen.has(field)) continue;
      seen.add(field);
      issues.push({ field, message: issue.message });
    }
    return { ok: false, issues };
  }
  const { sort, after, before, ...rest } = parsed.data;
  const filters: RecordFilters = {};
  for (const key of FILTER_KEYS) {
    const v = rest[key];
    if (v !== undefined) (filters as Record<string, string>)[key] = v;
  }
  return { ok: true, query: { filters, sort, after, before } };
}

/** The raw filter values of a URL (valid or not), to refill the form after a bad submission. */
export function rawFilterValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...FILTER_KEYS, "sort"]) out[key] = params.get(key) ?? "";
  return out;
}

/** The query string for filters + sort (+ a page cursor); default sort and empty filters are left out. */
export function recordsSearch(
  filters: RecordFilters,
  sort: RecordSort,
  page?: { after: string } | { before: string },
): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const v = filters[key];
    if (v) params.set(key, v);
  }
  if (sort !== "time_desc") params.set("sort", sort);
  if (page && "after" in page) params.set("after", page.after);
  if (page && "before" in page) params.set("before", page.before);
  const s = params.toString();
  return s ? `?${s}` : "";
}

export function hasFilters(filters: RecordFilters): boolean {
  return FILTER_KEYS.some((k) => filters[k] !== undefined);
}

// ---- The tenant page's date range (also URL state: ?from=&to=&grain=) ----

export const SPEND_GRAINS = ["day", "week"] as const;
export type SpendGrain = (typeof SPEND_GRAINS)[number];
export interface SpendRange {
  /** First and last UTC day shown (inclusive), YYYY-MM-DD. */
  from: string;
  to: string;
  grain: SpendGrain;
}

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 731;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last 30 UTC days ending today, by day. */
export function defaultSpendRange(now: Date): SpendRange {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { from: isoDay(today - (DEFAULT_RANGE_DAYS - 1) * 86_400_000), to: isoDay(today), grain: "day" };
}

const spendRangeParams = z
  .object({
    from: day("From"),
    to: day("To"),
    grain: z.preprocess(blankToUndefined, z.enum(SPEND_GRAINS, { error: "Group by must be Day or Week." }).optional()),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "To must be on or after From." });
    if (q.from && q.to && (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1 > MAX_RANGE_DAYS) {
      ctx.addIssue({ code: "custom", path: ["from"], message: `Choose at most ${MAX_RANGE_DAYS} days.` });
    }
  });

/**
 * The range in the URL. A missing bound is filled from the default 30 days (a lone `from`
 * runs to today; a lone `to` starts 29 days earlier). An invalid URL falls back to the
 * default range and reports why, so the page still shows something useful.
 */
export function parseSpendRange(params: URLSearchParams, now: Date): { range: SpendRange; issues: FieldIssue[] } {
  const fallback = defaultSpendRange(now);
  const parsed = spendRangeParams.safeParse({
    from: params.get("from") ?? undefined,
    to: params.get("to") ?? undefined,
    grain: params.get("grain") ?? undefined,
  });
  if (!parsed.success) {
    return { range: fallback, issues: parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? ""), message: i.message })) };
  }
  const { from, to, grain = "day" } = parsed.data;
  if (from && to) return { range: { from, to, grain }, issues: [] };
  if (from) {
    const end = from > fallback.to ? from : fallback.to;
    const capped = Math.min(Date.parse(end), Date.parse(from) + (MAX_RANGE_DAYS - 1) * 86_400_000);
    return { range: { from, to: isoDay(capped), grain }, issues: [] };
  }
  if (to) return { range: { from: isoDay(Date.parse(to) - (DEFAULT_RANGE_DAYS - 1) * 86_400_000), to, grain }, issues: [] };
  return { range: { ...fallback, grain }, issues: [] };
}
