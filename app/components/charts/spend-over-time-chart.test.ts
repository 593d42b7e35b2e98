// The anomaly markers' text on the spend timeline (the tooltip and the table view).
import { describe, expect, it } from "vitest";
import { markerLabel, type SpendMarker } from "./spend-over-time-chart.tsx";

describe("markerLabel", () => {
  const marker: SpendMarker = { id: "f1", day: "2026-03-18", hour: null, resource: "llm", severity: "high", actualUsd: "42.5", expectedUsd: "10.25" };
  it("says what, when and by how much", () => {
    expect(markerLabel(marker)).toBe("LLM day: $42.50 vs $10.25 expected (high)");
    expect(markerLabel({ ...marker, resource: "sandbox", hour: 9, severity: "low", actualUsd: "0.001" })).toBe("Sandbox 09:00 hour: <$0.01 vs $10.25 expected (low)");
  });
});
