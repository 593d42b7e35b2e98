// Display formatting, exactly: money rounds only here (half up, to cents), tiny amounts never
// show as $0.00, days and times are UTC whatever the server's zone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDay, formatPercent, formatTime, formatUsd, formatUsdCompact, quotaLabel, ROLE_LABEL, usdNumber } from "./format.ts";

describe("formatUsd", () => {
  it("groups thousands and rounds half up to cents", () => {
    expect(formatUsd("1234.5600000000")).toBe("$1,234.56");
    expect(formatUsd("0")).toBe("$0.00");
    expect(formatUsd("0.005")).toBe("$0.01");
    expect(formatUsd("999.995")).toBe("$1,000.00");
    expect(formatUsd("1234567.894")).toBe("$1,234,567.89");
    expect(formatUsd("-1234.5")).toBe("-$1,234.50");
    expect(formatUsd(12.3)).toBe("$12.30");
    // Beyond a double's precision: the string is rounded as written.
    expect(formatUsd("12345678901234.9950000000")).toBe("$12,345,678,901,235.00");
  });

  it("shows a non-zero amount under half a cent as <$0.01, not $0.00", () => {
    expect(formatUsd("0.0000000001")).toBe("<$0.01");
    expect(formatUsd("0.0049999999")).toBe("<$0.01");
    expect(formatUsd("-0.004")).toBe("-<$0.01");
  });

  it("refuses text that is not a number instead of showing a wrong amount", () => {
    for (const bad of ["abc", "", "1,000", "$5"]) expect(() => formatUsd(bad)).toThrow("DecimalError");
  });

  it("reads back as the amount it shows: strip $ and commas, get the cents (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (cents) => {
        const abs = cents < 0n ? -cents : cents;
        const text = `${cents < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
        const shown = formatUsd(text);
        expect(shown.replace(/[$,]/g, "")).toBe(cents === 0n ? "0.00" : text);
        expect(shown).toMatch(/^-?\$\d{1,3}(,\d{3})*\.\d\d$/);
      }),
    );
  });
});

describe("formatUsdCompact", () => {
  it("labels axes in dollars, thousands and millions", () => {
    expect(formatUsdCompact(0)).toBe("$0");
    expect(formatUsdCompact(5.5)).toBe("$5.50");
    expect(formatUsdCompact(950)).toBe("$950");
    expect(formatUsdCompact(1000)).toBe("$1k");
    expect(formatUsdCompact(1234)).toBe("$1.2k");
    expect(formatUsdCompact(1_000_000)).toBe("$1M");
    expect(formatUsdCompact(3_400_000)).toBe("$3.4M");
  });
});

describe("formatPercent / usdNumber", () => {
  it("shows one decimal; turns money text into a chart number at 6 decimals", () => {
    expect(formatPercent(0)).toBe("0.0%");
    expect(formatPercent(12.34)).toBe("12.3%");
    expect(formatPercent(150)).toBe("150.0%");
    expect(usdNumber("1234.5600000000")).toBe(1234.56);
    expect(usdNumber("12.3456785")).toBe(12.345679);
    expect(usdNumber("0.0000000001")).toBe(0);
  });
});

describe("formatDay / formatTime", () => {
  it("formats a UTC calendar day as that day, whatever the process's zone", () => {
    expect(formatDay("2026-11-03")).toBe("Nov 3");
    expect(formatDay("2026-12-31", { year: "numeric", month: "long" })).toBe("December 2026");
    expect(formatDay("2027-01-01")).toBe("Jan 1");
  });

  it("formats an instant in UTC on a 24-hour clock; null is the fallback", () => {
    expect(formatTime("2026-11-23T10:04:00.000Z")).toBe("Nov 23, 2026, 10:04 UTC");
    expect(formatTime("2026-01-01T00:00:59Z")).toBe("Jan 1, 2026, 00:00 UTC");
    expect(formatTime("2026-03-01T01:30:00+02:00")).toBe("Feb 28, 2026, 23:30 UTC");
    expect(formatTime(null)).toBe("—");
    expect(formatTime(null, "never")).toBe("never");
  });
});

describe("quotaLabel / ROLE_LABEL", () => {
  it("names a quota by resource and period, and every role", () => {
    expect(quotaLabel({ resource: "llm", period: "month" })).toBe("LLM · monthly");
    expect(quotaLabel({ resource: "all", period: "day" })).toBe("All resources · daily");
    expect(quotaLabel({ resource: "sandbox", period: "week" })).toBe("Sandbox · weekly");
    expect(Object.values(ROLE_LABEL)).toEqual(["Admin", "Finance", "Ops", "Tenant admin"]);
  });
});
