// Panel forms → the admin API's shapes: blank is absent, thresholds become numbers (or stay
// text so zod rejects them), datetime-local is read as UTC, zod issues become one message per
// field.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkbox, fieldErrors, formFields, isoToUtcLocal, quotaCreateValues, quotaUpdateValues, thresholdList, utcLocalToIso } from "./forms.ts";

const form = (entries: [string, string][]) => {
  const f = new FormData();
  for (const [k, v] of entries) f.append(k, v);
  return f;
};

describe("formFields", () => {
  it("trims text fields and leaves blank or missing ones undefined", () => {
    expect(formFields(form([["a", "  x "], ["b", "   "], ["c", ""]]), ["a", "b", "c", "d"])).toEqual({ a: "x", b: undefined, c: undefined, d: undefined });
  });

  it("ignores a file where text was expected", () => {
    const f = new FormData();
    f.append("a", new Blob(["x"]), "x.txt");
    expect(formFields(f, ["a"])).toEqual({ a: undefined });
  });
});

describe("thresholdList", () => {
  it("reads whole numbers separated by commas or spaces", () => {
    expect(thresholdList("80, 90")).toEqual([80, 90]);
    expect(thresholdList(" 50 75,100 ")).toEqual([50, 75, 100]);
    expect(thresholdList("-5")).toEqual([-5]);
    expect(thresholdList("")).toEqual([]);
    expect(thresholdList(undefined)).toBeUndefined();
  });

  it("hands anything else back as text, so the schema rejects it with its message", () => {
    for (const raw of ["80%", "8.5", "eighty", "80;90", "1e2"]) expect(thresholdList(raw)).toBe(raw);
  });

  it("reads back any list of whole numbers it is given (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 10 }), fc.constantFrom(",", ", ", " "), (ns, sep) => {
        expect(thresholdList(ns.join(sep))).toEqual(ns);
      }),
    );
  });
});

describe("checkbox", () => {
  it("is true for on or true, false otherwise", () => {
    const f = form([["a", "on"], ["b", "true"], ["c", "off"], ["d", ""]]);
    expect(["a", "b", "c", "d", "e"].map((n) => checkbox(f, n))).toEqual([true, true, false, false, false]);
  });
});

describe("utcLocalToIso / isoToUtcLocal", () => {
  it("reads a datetime-local value as UTC, seconds optional", () => {
    expect(utcLocalToIso("2026-11-23T12:30")).toBe("2026-11-23T12:30:00.000Z");
    expect(utcLocalToIso("2026-11-23T12:30:15")).toBe("2026-11-23T12:30:15.000Z");
    expect(utcLocalToIso(undefined)).toBeUndefined();
  });

  it("hands anything else back unchanged for zod to report", () => {
    for (const raw of ["2026-11-23", "2026-11-23 12:30", "2026-11-23T12:30Z", "tomorrow"]) expect(utcLocalToIso(raw)).toBe(raw);
  });

  it("is undone by isoToUtcLocal at minute precision (property)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:00Z"), noInvalidDate: true }), (d) => {
        const minute = new Date(Math.floor(d.getTime() / 60_000) * 60_000).toISOString();
        expect(utcLocalToIso(isoToUtcLocal(minute))).toBe(minute);
      }),
    );
  });
});

describe("fieldErrors", () => {
  it("keeps the first message per field and puts pathless issues under form", () => {
    const schema = z.object({ name: z.string().min(3, "too short").regex(/^[a-z]+$/, "letters only"), age: z.number({ error: "a number" }) });
    const r = schema.safeParse({ name: "A1", age: "x" });
    expect(r.error!.issues.map((i) => i.message)).toEqual(["too short", "letters only", "a number"]);
    expect(fieldErrors(r.error!)).toEqual({ name: "too short", age: "a number" });
    const whole = z.object({ a: z.string() }).refine(() => false, "never valid").safeParse({ a: "x" });
    expect(fieldErrors(whole.error!)).toEqual({ form: "never valid" });
  });
});

describe("quotaCreateValues / quotaUpdateValues", () => {
  it("turn the quota forms into the admin API's bodies", () => {
    const f = form([
      ["scope", "tenant"],
      ["tenantId", " 00000000-0000-4000-8000-000000000001 "],
      ["scopeId", ""],
      ["resource", "llm"],
      ["period", "month"],
      ["limitUsd", "100.50"],
      ["warningThresholds", "80, 90"],
      ["enforcement", "hard"],
      ["enabled", "on"],
      ["extra", "ignored"],
    ]);
    expect(quotaCreateValues(f)).toEqual({
      scope: "tenant",
      tenantId: "00000000-0000-4000-8000-000000000001",
      scopeId: undefined,
      resource: "llm",
      period: "month",
      limitUsd: "100.50",
      warningThresholds: [80, 90],
      enforcement: "hard",
      enabled: true,
    });
    expect(quotaUpdateValues(form([["limitUsd", "5"], ["warningThresholds", ""]]))).toEqual({
      limitUsd: "5",
      warningThresholds: [],
      enforcement: undefined,
      enabled: false,
    });
  });
});
