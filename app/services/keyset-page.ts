// Reading one keyset page, whatever the list: its reader fetches `limit` rows after a cursor in
// display order (or before it, walking backwards), and this decides what the page shows and
// where its Previous and Next links point. One extra row is read to know whether more follow.
import type { PageRequest } from "~/schemas/page-cursor.ts";

/** Rows after `cursor` in display order; `reverse`: rows before it, nearest first. */
export type SliceReader<R, C> = (cursor: C | undefined, reverse: boolean, limit: number) => Promise<R[]>;

export interface KeysetPage<R> {
  rows: R[];
  /** Cursor for `?after=` (the Next / Older link), null on the last page. */
  next: string | null;
  /** Cursor for `?before=` (the Previous / Newer link), null on the first page. */
  previous: string | null;
}

export async function readKeysetPage<R, C>(
  read: SliceReader<R, C>,
  request: PageRequest<C>,
  pageSize: number,
  encode: (row: R) => string,
): Promise<KeysetPage<R>> {
  const limit = pageSize + 1;
  if (request.before) {
    const found = await read(request.before, true, limit);
    // Fewer than a page before the cursor: that is the start, so show the (full) first page.
    if (found.length > pageSize) {
      const rows = found.slice(0, pageSize).reverse();
      return { rows, previous: encode(rows[0]), next: encode(rows[rows.length - 1]) };
    }
  }
  const after = request.before ? undefined : request.after;
  const found = await read(after, false, limit);
  if (after && found.length === 0) {
    // Past the end (a stale Next link, or the last rows were the cursor's): show the last page.
    const tail = await read(undefined, true, limit);
    const rows = tail.slice(0, pageSize).reverse();
    return { rows, next: null, previous: tail.length > pageSize ? encode(rows[0]) : null };
  }
  const rows = found.slice(0, pageSize);
  const next = found.length > pageSize ? encode(rows[rows.length - 1]) : null;
  return { rows, next, previous: after ? encode(rows[0]) : null };
}

/**
 * SQL for a list ordered by `keys` descending (newest first): the ORDER BY, and with a cursor
 * the row comparison `(k1, k2, …) < (v1, v2, …)` that lets an index start at the cursor
 * (`>` and ascending when walking backwards). Values are appended to `params` with their casts.
 */
export function descendingKeyset(
  keys: readonly { column: string; cast: string }[],
  cursor: readonly unknown[] | undefined,
  reverse: boolean,
  params: unknown[],
): { condition: string; orderBy: string } {
  const dir = reverse ? "ASC" : "DESC";
  const orderBy = keys.map((k) => `${k.column} ${dir}`).join(", ");
  if (!cursor) return { condition: "TRUE", orderBy };
  const placeholders = keys.map((k, i) => {
    params.push(cursor[i]);
    return `$${params.length}::${k.cast}`;
  });
  return { condition: `(${keys.map((k) => k.column).join(", ")}) ${reverse ? ">" : "<"} (${placeholders.join(", ")})`, orderBy };
}
