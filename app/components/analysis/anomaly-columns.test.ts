// How a finding is named and linked in the lists: its UTC day (and hour), and the records
// explorer on that day, most expensive first.
import { describe, expect, it } from "vitest";
import { anomalyRecordsHref, anomalyWhen } from "./anomaly-columns.tsx";

describe("anomalyWhen", () => {
  it("names the whole day or the hour, in UTC", () => {
    expect(anomalyWhen({ day: "2026-03-18", hour: null })).toBe("Mar 18, 2026, whole day");
    expect(anomalyWhen({ day: "2026-03-18", hour: 9 })).toBe("Mar 18, 2026, 09:00–10:00");
    expect(anomalyWhen({ day: "2026-12-31", hour: 23 })).toBe("Dec 31, 2026, 23:00–24:00");
  });
});

describe("anomalyRecordsHref", () => {
  it("opens the finding's day in the explorer, most expensive first, filtered by its resource", () => {
    expect(anomalyRecordsHref({ day: "2026-03-18", resource: "llm" }, "/records", "acme")).toBe(
      "/records?tenant=acme&resource=llm&from=2026-03-18&to=2026-03-18&sort=cost_desc",
    );
    // "all" is not a resource filter; a tenant's own explorer has the tenant in its path.
    expect(anomalyRecordsHref({ day: "2026-03-18", resource: "all" }, "/t/acme/records")).toBe("/t/acme/records?from=2026-03-18&to=2026-03-18&sort=cost_desc");
  });
});
