// The day labels every time axis shares, in UTC whatever the process's zone.
import { describe, expect, it } from "vitest";
import { dayLabel, dayTick } from "./chart-parts.tsx";

describe("dayTick / dayLabel", () => {
  it("name a UTC day short on the axis and with its year in the tooltip", () => {
    expect(dayTick("2026-11-03")).toBe("Nov 3");
    expect(dayLabel("2026-11-03")).toBe("Nov 3, 2026");
    expect(dayLabel("2027-01-01")).toBe("Jan 1, 2027");
  });
});
