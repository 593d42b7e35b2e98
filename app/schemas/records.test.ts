// The explorer's URL contract without a database: filters and sort round-trip through the URL,
// cursors decode only to values SQL can bind, bad URLs are reported per field, and the tenant
// page's date range is filled, capped and defaulted as documented.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_LINK_HINT } from "./page-cursor.ts";
import {
  FILTER_KEYS,
  MAX_RANGE_DAYS,
  RECORD_SORTS,
  decodeCursor,
  defaultSpendRange,
  encodeCursor,
  hasFilters,
  parseRecordsQuery,
  parseSpendRange,
  rawFilterValues,
  recordsSearch,
  sortDescending,
  sortKey,
  type Cursor,
  type RecordFilters,
} from "./records.ts";

const params = (o: Record<string, string>) => new URLSearchParams(o);
const TIME: Cursor = { key: "time", value: "2026-03-18T14:05:09.123Z", id: "42" };
const COST: Cursor = { key: "cost", value: "0.0015430000", id: "9223372036854775807" };

describe("sortKey / sortDescending", () => {
  it("name the column and direction of each sort", () => {
    expect(RECORD_SORTS.map((s) => [s, sortKey(s), sortDescending(s)])).toEqual([
      ["time_desc", "time", true],
      ["time_asc", "time", false],
      ["cost_desc", "cost", true],
      ["cost_asc", "cost", false],
    ]);
  });
});

describe("encodeCursor / decodeCursor", () => {
  it("round-trips time and cost cursors exactly", () => {
    expect(decodeCursor(encodeCursor(TIME))).toEqual(TIME);
    expect(decodeCursor(encodeCursor(COST))).toEqual(COST);
    expect(decodeCursor(encodeCursor({ key: "cost", value: "-12", id: "0" }))).toEqual({ key: "cost", value: "-12", id: "0" });
  });

  it("refuses values SQL could not bind as the sort key's type, and anything not a cursor", () => {
    for (const bad of [
      { ...TIME, value: "yesterday" },
      { ...TIME, value: "2026-03-18" }, // a date, not a timestamp
      { ...COST, value: "1; DROP TABLE cost_records" },
      { ...COST, value: "1e5" },
      { ...COST, value: "123456789012345" }, // 15 integer digits: past NUMERIC(24,10)
      { ...COST, value: "1.12345678901" }, // 11 decimals
      { ...COST, id: "-1" },
      { ...COST, id: "12345678901234567890" }, // 20 digits: not a bigint
      { ...COST, id: "1 OR 1=1" },
    ]) {
      expect(decodeCursor(encodeCursor(bad))).toBeNull();
    }
    for (const raw of ["", "x", "%%%", btoa("null"), btoa("[]"), btoa('{"k":"size","v":"1","i":"1"}'), "A".repeat(401)]) {
      expect(decodeCursor(raw)).toBeNull();
    }
  });

  it("never throws, whatever the text (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (raw) => {
        const c = decodeCursor(raw);
        expect(c === null || (typeof c.value === "string" && /^\d{1,19}$/.test(c.id))).toBe(true);
      }),
    );
  });
});

describe("parseRecordsQuery", () => {
  it("defaults to newest first with no filters; blank fields are no filter; values are trimmed", () => {
    expect(parseRecordsQuery(params({}))).toEqual({ ok: true, query: { filters: {}, sort: "time_desc", after: undefined, before: undefined } });
    const blank = Object.fromEntries([...FILTER_KEYS, "sort", "after", "before"].map((k) => [k, "  "]));
    expect(parseRecordsQuery(params(blank))).toEqual({ ok: true, query: { filters: {}, sort: "time_desc", after: undefined, before: undefined } });
    expect(parseRecordsQuery(params({ user: "  u-1 ", model: "gpt-5-mini", resource: "llm", from: "2026-03-01", to: "2026-03-01" }))).toEqual({
      ok: true,
      query: { filters: { user: "u-1", model: "gpt-5-mini", resource: "llm", from: "2026-03-01", to: "2026-03-01" }, sort: "time_desc" },
    });
  });

  it("takes a cursor that matches the sort's key", () => {
    const r = parseRecordsQuery(params({ sort: "cost_desc", before: encodeCursor(COST) }));
    expect(r).toEqual({ ok: true, query: { filters: {}, sort: "cost_desc", after: undefined, before: COST } });
  });

  it("reports each bad field once, with a message a person can act on", () => {
    const r = parseRecordsQuery(
      params({ tenant: "Acme Corp", resource: "gpu", from: "2026-02-30", sort: "random", user: "a\u0000b", model: "m".repeat(201) }),
    );
    expect(r).toEqual({
      ok: false,
      issues: [
        { field: "tenant", message: "Tenant must be a tenant's URL name, e.g. acme." },
        { field: "user", message: "User must not contain control characters (found U+0000)." },
        { field: "model", message: "Model can be at most 200 characters." },
        { field: "resource", message: "Resource must be LLM or Sandbox." },
        { field: "from", message: "From must be a date like 2026-03-31." },
        { field: "sort", message: "Sort must be one of the listed orders." },
      ],
    });
  });

  it("refuses a range that ends before it starts, two cursors at once, and a cursor of the other sort", () => {
    expect(parseRecordsQuery(params({ from: "2026-03-02", to: "2026-03-01" }))).toEqual({
      ok: false,
      issues: [{ field: "to", message: "To must be on or after From." }],
    });
    expect(parseRecordsQuery(params({ after: encodeCursor(TIME), before: encodeCursor(TIME) }))).toEqual({
      ok: false,
      issues: [{ field: "after", message: PAGE_LINK_HINT }],
    });
    expect(parseRecordsQuery(params({ sort: "cost_asc", after: encodeCursor(TIME) }))).toEqual({
      ok: false,
      issues: [{ field: "after", message: PAGE_LINK_HINT }],
    });
    expect(parseRecordsQuery(params({ before: "not-a-cursor" }))).toEqual({ ok: false, issues: [{ field: "before", message: PAGE_LINK_HINT }] });
  });

  it("ignores the tenant parameter in a tenant's own explorer (the path names the tenant)", () => {
    expect(parseRecordsQuery(params({ tenant: "globex" }), { fixedTenant: true })).toEqual({
      ok: true,
      query: { filters: {}, sort: "time_desc", after: undefined, before: undefined },
    });
    expect(parseRecordsQuery(params({ tenant: "NOT VALID" }), { fixedTenant: true }).ok).toBe(true);
  });
});

describe("recordsSearch", () => {
  it("leaves out the default sort and empty filters, and carries one page cursor", () => {
    expect(recordsSearch({}, "time_desc")).toBe("");
    expect(recordsSearch({ tenant: "acme", resource: "sandbox" }, "cost_asc", { after: "abc" })).toBe("?tenant=acme&resource=sandbox&sort=cost_asc&after=abc");
    expect(recordsSearch({ user: "a&b=c" }, "time_desc", { before: "xyz" })).toBe("?user=a%26b%3Dc&before=xyz");
  });

  it("round-trips through parseRecordsQuery: what a person chose is what the next page reads (property)", () => {
    const value = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s !== "" && !/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/.test(s));
    const day = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    const filters = fc.record(
      {
        tenant: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/),
        user: value,
        model: value,
        touchpoint: value,
        resource: fc.constantFrom("llm" as const, "sandbox" as const),
        from: day,
        conversation: value,
        task: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(filters, fc.constantFrom(...RECORD_SORTS), (f: RecordFilters, sort) => {
        const parsed = parseRecordsQuery(new URLSearchParams(recordsSearch(f, sort)));
        expect(parsed).toEqual({ ok: true, query: { filters: f, sort, after: undefined, before: undefined } });
        expect(hasFilters(f)).toBe(Object.keys(f).length > 0);
      }),
    );
  });
});

describe("rawFilterValues", () => {
  it("gives every filter and the sort as the URL had them, valid or not, '' where absent", () => {
    expect(rawFilterValues(params({ tenant: "Not Valid", sort: "random", after: "x" }))).toEqual({
      tenant: "Not Valid",
      user: "",
      model: "",
      touchpoint: "",
      resource: "",
      from: "",
      to: "",
      conversation: "",
      task: "",
      sort: "random",
    });
  });
});

describe("defaultSpendRange / parseSpendRange", () => {
  const NOW = new Date("2026-03-18T23:59:59Z");

  it("defaults to the last 30 UTC days ending today, by day", () => {
    expect(defaultSpendRange(NOW)).toEqual({ from: "2026-02-17", to: "2026-03-18", grain: "day" });
    expect(parseSpendRange(params({}), NOW)).toEqual({ range: { from: "2026-02-17", to: "2026-03-18", grain: "day" }, issues: [] });
    expect(parseSpendRange(params({ grain: "week" }), NOW)).toEqual({ range: { from: "2026-02-17", to: "2026-03-18", grain: "week" }, issues: [] });
  });

  it("fills a missing bound: a lone from runs to today, a lone to starts 29 days earlier", () => {
    expect(parseSpendRange(params({ from: "2026-03-01" }), NOW).range).toEqual({ from: "2026-03-01", to: "2026-03-18", grain: "day" });
    expect(parseSpendRange(params({ to: "2026-01-31" }), NOW).range).toEqual({ from: "2026-01-02", to: "2026-01-31", grain: "day" });
    // A from after today is a one-day range; a from long ago runs at most MAX_RANGE_DAYS days.
    expect(parseSpendRange(params({ from: "2026-04-01" }), NOW).range).toEqual({ from: "2026-04-01", to: "2026-04-01", grain: "day" });
    expect(parseSpendRange(params({ from: "2020-01-01" }), NOW).range).toEqual({ from: "2020-01-01", to: "2021-12-31", grain: "day" });
  });

  it("takes a range of exactly MAX_RANGE_DAYS days and refuses one day more, falling back to the default", () => {
    expect(MAX_RANGE_DAYS).toBe(731);
    expect(parseSpendRange(params({ from: "2024-01-01", to: "2025-12-31" }), NOW)).toEqual({
      range: { from: "2024-01-01", to: "2025-12-31", grain: "day" },
      issues: [],
    });
    expect(parseSpendRange(params({ from: "2024-01-01", to: "2026-01-01" }), NOW)).toEqual({
      range: { from: "2026-02-17", to: "2026-03-18", grain: "day" },
      issues: [{ field: "from", message: "Choose at most 731 days." }],
    });
  });

  it("reports bad values and falls back to the default range", () => {
    expect(parseSpendRange(params({ from: "2026-03-05", to: "2026-03-04" }), NOW)).toEqual({
      range: { from: "2026-02-17", to: "2026-03-18", grain: "day" },
      issues: [{ field: "to", message: "To must be on or after From." }],
    });
    expect(parseSpendRange(params({ grain: "month" }), NOW)).toEqual({
      range: { from: "2026-02-17", to: "2026-03-18", grain: "day" },
      issues: [{ field: "grain", message: "Group by must be Day or Week." }],
    });
    expect(parseSpendRange(params({ from: "03/05/2026" }), NOW).issues).toEqual([{ field: "from", message: "From must be a date like 2026-03-31." }]);
  });
});
