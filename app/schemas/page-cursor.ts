// Keyset page links, shared by every newest-first list that pages (cost records, the alert
// delivery log, anomalies): the position is an opaque cursor in the URL, `?after=` for the rows
// that follow it (older) and `?before=` for the rows that precede it (newer), so a page link is
// shareable and page 100 costs what page 1 costs.
import { z } from "zod";

export const PAGE_LINK_HINT = "The page link is damaged or out of date; start again from the first page.";
const MAX_CURSOR_CHARS = 400;

/** Rows strictly after this position (older, Next), or strictly before it (newer, Previous). */
export interface PageRequest<C> {
  after?: C;
  before?: C;
}

/** base64url of a small JSON value (URL-safe, no padding). Values are ASCII: times, numbers, ids. */
export function encodePageCursor(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The cursor's value if it decodes and has `shape`; null for anything else (never throws). */
export function decodePageCursor<T>(raw: string, shape: z.ZodType<T>): T | null {
  if (raw.length > MAX_CURSOR_CHARS) return null;
  try {
    const parsed = shape.safeParse(JSON.parse(atob(raw.replaceAll("-", "+").replaceAll("_", "/"))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * `?after=` / `?before=` of a list whose filters are only filters: a damaged cursor (or both at
 * once) is dropped, so the page shows the newest rows and says the link was not understood.
 */
export function parsePageRequest<C>(params: URLSearchParams, shape: z.ZodType<C>): { request: PageRequest<C>; damaged: boolean } {
  const read = (name: "after" | "before") => {
    const raw = params.get(name);
    return raw ? decodePageCursor(raw, shape) : undefined;
  };
  const after = read("after");
  const before = read("before");
  if (after === null || before === null || (after && before)) return { request: {}, damaged: true };
  return { request: { after, before }, damaged: false };
}

/** `search` with its page cursor replaced by `page` (none: the first page); other parameters kept. */
export function pageSearch(search: string, page?: { after: string } | { before: string }): string {
  const params = new URLSearchParams(search);
  params.delete("after");
  params.delete("before");
  if (page && "after" in page) params.set("after", page.after);
  if (page && "before" in page) params.set("before", page.before);
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** A bigint id as text (the tie-breaker of lists ordered by time). */
export const bigintId = z.string().regex(/^\d{1,19}$/);
