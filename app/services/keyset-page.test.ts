// The page logic on its own, over an in-memory list (newest first: 10 … 1), and the SQL it asks
// for. The lists that use it (records, deliveries, anomalies) test it again against PostgreSQL.
import { describe, expect, it } from "vitest";
import { descendingKeyset, readKeysetPage, type SliceReader } from "./keyset-page.ts";

const LIST = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
const reads: string[] = [];
const read: SliceReader<number, number> = async (cursor, reverse, limit) => {
  reads.push(`${cursor ?? "-"}${reverse ? "↑" : "↓"}${limit}`);
  const rows = reverse ? LIST.filter((n) => cursor === undefined || n > cursor).reverse() : LIST.filter((n) => cursor === undefined || n < cursor);
  return rows.slice(0, limit);
};
const page = (request: { after?: number; before?: number }) => readKeysetPage(read, request, 4, String);

describe("readKeysetPage", () => {
  it("pages of 4 over 10 rows: 10–7, 6–3, 2–1, and back", async () => {
    reads.length = 0;
    expect(await page({})).toEqual({ rows: [10, 9, 8, 7], next: "7", previous: null });
    expect(await page({ after: 7 })).toEqual({ rows: [6, 5, 4, 3], next: "3", previous: "6" });
    expect(await page({ after: 3 })).toEqual({ rows: [2, 1], next: null, previous: "2" });
    expect(await page({ before: 2 })).toEqual({ rows: [6, 5, 4, 3], next: "3", previous: "6" });
    // Only 4 rows newer than 6: that is the first page, without a Newer link.
    expect(await page({ before: 6 })).toEqual({ rows: [10, 9, 8, 7], next: "7", previous: null });
    expect(reads).toEqual(["-↓5", "7↓5", "3↓5", "2↑5", "6↑5", "-↓5"]);
  });

  it("a cursor past the end shows the last full page; an exact last page has no Older link", async () => {
    expect(await page({ after: 1 })).toEqual({ rows: [4, 3, 2, 1], next: null, previous: "4" });
    expect(await readKeysetPage(read, { after: 6 }, 5, String)).toEqual({ rows: [5, 4, 3, 2, 1], next: null, previous: "5" });
  });
});

describe("descendingKeyset", () => {
  const KEYS = [
    { column: "e.created_at", cast: "timestamptz" },
    { column: "e.id", cast: "bigint" },
  ];
  it("compares the whole key as one row value, after the caller's parameters", () => {
    const params: unknown[] = ["x"];
    expect(descendingKeyset(KEYS, ["2026-11-20T10:00:00.000Z", "7"], false, params)).toEqual({
      condition: "(e.created_at, e.id) < ($2::timestamptz, $3::bigint)",
      orderBy: "e.created_at DESC, e.id DESC",
    });
    expect(params).toEqual(["x", "2026-11-20T10:00:00.000Z", "7"]);
    expect(descendingKeyset(KEYS, ["t", "1"], true, [])).toEqual({ condition: "(e.created_at, e.id) > ($1::timestamptz, $2::bigint)", orderBy: "e.created_at ASC, e.id ASC" });
    expect(descendingKeyset(KEYS, undefined, false, [])).toEqual({ condition: "TRUE", orderBy: "e.created_at DESC, e.id DESC" });
  });
});
