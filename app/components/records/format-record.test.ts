// Single cost records on screen: fractions of a cent keep six decimals (half up), dust says so,
// dollars and up look like the dashboard's totals; usage lines per resource.
import { describe, expect, it } from "vitest";
import { formatCallCost, formatRecordTime, formatUsage } from "./format-record.ts";

describe("formatCallCost", () => {
  it("shows dollars and up in cents, grouped", () => {
    expect(formatCallCost("12.345")).toBe("$12.35");
    expect(formatCallCost("1")).toBe("$1.00");
    expect(formatCallCost("1234.5")).toBe("$1,234.50");
    expect(formatCallCost("-3")).toBe("-$3.00");
  });

  it("keeps six decimals below a dollar, rounding half up", () => {
    expect(formatCallCost("0.001543")).toBe("$0.001543");
    expect(formatCallCost("0.0015434999")).toBe("$0.001543");
    expect(formatCallCost("0.0015435")).toBe("$0.001544");
    expect(formatCallCost("0.0000005")).toBe("$0.000001");
    expect(formatCallCost("-0.25")).toBe("-$0.250000");
  });

  it("says zero as $0.00 and dust as <$0.000001", () => {
    expect(formatCallCost("0")).toBe("$0.00");
    expect(formatCallCost("0.0000000000")).toBe("$0.00");
    expect(formatCallCost("0.0000004999")).toBe("<$0.000001");
    expect(formatCallCost("-0.0000000001")).toBe("-<$0.000001");
  });

  it("refuses text that is not a number", () => {
    expect(() => formatCallCost("NaN?")).toThrow("DecimalError");
  });
});

describe("formatRecordTime", () => {
  it("gives the UTC date and time to the second", () => {
    expect(formatRecordTime("2026-03-18T14:05:09.123Z")).toBe("2026-03-18 14:05:09");
  });
});

describe("formatUsage", () => {
  const none = { inputTokens: null, outputTokens: null, cachedInputTokens: null, billedDurationMs: null, activeDurationMs: null };

  it("gives a sandbox's billed and active seconds", () => {
    expect(formatUsage({ ...none, resource: "sandbox" })).toEqual(["—"]);
    expect(formatUsage({ ...none, resource: "sandbox", billedDurationMs: 61_000 })).toEqual(["61.0 s billed"]);
    expect(formatUsage({ ...none, resource: "sandbox", billedDurationMs: 1_500, activeDurationMs: 1_200 })).toEqual(["1.5 s billed", "1.2 s active"]);
  });

  it("gives an LLM call's tokens, and cached input only when there was some", () => {
    expect(formatUsage({ ...none, resource: "llm" })).toEqual(["—"]);
    expect(formatUsage({ ...none, resource: "llm", inputTokens: 12_345, cachedInputTokens: 0 })).toEqual(["12,345 in · 0 out"]);
    expect(formatUsage({ ...none, resource: "llm", inputTokens: 1_000, outputTokens: 250, cachedInputTokens: 800 })).toEqual([
      "1,000 in · 250 out",
      "800 cached in",
    ]);
  });
});
