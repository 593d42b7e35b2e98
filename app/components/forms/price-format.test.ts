// Rates keep their precision on the pricing pages; start times show in UTC, without a time at
// midnight.
import { describe, expect, it } from "vitest";
import { formatDateTime, formatRate } from "./price-format.ts";

describe("formatRate", () => {
  it("keeps up to ten decimals and at least two", () => {
    expect(formatRate(0.0001)).toBe("$0.0001");
    expect(formatRate(2.5)).toBe("$2.50");
    expect(formatRate(0.0000000001)).toBe("$0.0000000001");
    expect(formatRate(1234567.125)).toBe("$1,234,567.125");
    expect(formatRate(0)).toBe("$0.00");
  });
});

describe("formatDateTime", () => {
  it("shows a UTC midnight as the date alone, any other time with UTC", () => {
    expect(formatDateTime("2026-03-01T00:00:00.000Z")).toBe("2026-03-01");
    expect(formatDateTime("2026-03-01T12:30:45Z")).toBe("2026-03-01 12:30 UTC");
    expect(formatDateTime("2026-03-01T01:30:00+02:00")).toBe("2026-02-28 23:30 UTC");
    expect(formatDateTime(null)).toBe("—");
  });

  it("refuses a value that is not a time rather than showing a wrong one", () => {
    expect(() => formatDateTime("next tuesday")).toThrow(RangeError);
  });
});
