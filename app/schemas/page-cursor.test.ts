import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodePageCursor, encodePageCursor, pageSearch, parsePageRequest } from "./page-cursor.ts";

const shape = z.object({ t: z.iso.datetime(), i: z.string().regex(/^\d+$/) });
const at = { t: "2026-11-20T10:03:00.000Z", i: "42" };

describe("page cursors", () => {
  it("round-trip as URL-safe text and refuse anything else", () => {
    const raw = encodePageCursor(at);
    expect(raw).toBe("eyJ0IjoiMjAyNi0xMS0yMFQxMDowMzowMC4wMDBaIiwiaSI6IjQyIn0");
    expect(decodePageCursor(raw, shape)).toEqual(at);
    expect(decodePageCursor(encodePageCursor({ t: "yesterday", i: "42" }), shape)).toBeNull();
    expect(decodePageCursor("%%%not base64", shape)).toBeNull();
    expect(decodePageCursor("x".repeat(401), shape)).toBeNull();
  });

  it("a list URL's after/before: one of them, or a damaged link that falls back to the first page", () => {
    const raw = encodePageCursor(at);
    expect(parsePageRequest(new URLSearchParams({ status: "dead", after: raw }), shape)).toEqual({ request: { after: at, before: undefined }, damaged: false });
    expect(parsePageRequest(new URLSearchParams({ before: raw }), shape)).toEqual({ request: { after: undefined, before: at }, damaged: false });
    expect(parsePageRequest(new URLSearchParams(), shape)).toEqual({ request: { after: undefined, before: undefined }, damaged: false });
    expect(parsePageRequest(new URLSearchParams({ after: "garbage" }), shape)).toEqual({ request: {}, damaged: true });
    expect(parsePageRequest(new URLSearchParams({ after: raw, before: raw }), shape)).toEqual({ request: {}, damaged: true });
  });

  it("page links keep the filters and replace the cursor", () => {
    expect(pageSearch("?status=dead&after=abc", { before: "xyz" })).toBe("?status=dead&before=xyz");
    expect(pageSearch("?before=xyz&kind=anomaly")).toBe("?kind=anomaly");
    expect(pageSearch("?after=abc")).toBe("");
  });
});
