// Instants on the forecast chart, in UTC on a 24-hour clock.
import { describe, expect, it } from "vitest";
import { formatInstant } from "./forecast-chart.tsx";

describe("formatInstant", () => {
  it("gives the UTC day and 24-hour time, or the day alone", () => {
    expect(formatInstant("2026-11-23T14:00:00Z")).toBe("Nov 23, 14:00");
    expect(formatInstant("2026-11-23T00:30:00Z")).toBe("Nov 23, 00:30");
    expect(formatInstant("2026-11-23T23:30:00-02:00")).toBe("Nov 24, 01:30");
    expect(formatInstant("2026-11-23T14:00:00Z", false)).toBe("Nov 23");
  });
});
