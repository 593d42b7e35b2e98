// How an alert rule reads in the lists: its conditions as one line; values of the wrong type
// (rules are stored as JSON) are left out rather than shown as "[object Object]".
import { describe, expect, it } from "vitest";
import { RULE_KIND_LABEL, ruleConditions } from "./rule-labels.ts";

describe("ruleConditions", () => {
  it("joins thresholds, minimum severity and resource", () => {
    expect(ruleConditions({ thresholds: [80, 90, 100] })).toBe("at 80%, 90%, 100%");
    expect(ruleConditions({ thresholds: [50], minSeverity: "high", resource: "llm" })).toBe("at 50% · severity ≥ high · resource llm");
    expect(ruleConditions({ minSeverity: "medium" })).toBe("severity ≥ medium");
  });

  it("says every event when there is no condition, and skips values of the wrong type", () => {
    expect(ruleConditions({})).toBe("every event of this kind");
    expect(ruleConditions({ thresholds: [] })).toBe("every event of this kind");
    expect(ruleConditions({ thresholds: "80", minSeverity: 3, resource: { name: "llm" } })).toBe("every event of this kind");
  });
});

describe("RULE_KIND_LABEL", () => {
  it("names every alert kind", () => {
    expect(RULE_KIND_LABEL).toEqual({
      quota_threshold: "Quota warning threshold reached",
      quota_exceeded: "Quota exceeded",
      anomaly: "Spend anomaly",
      forecast_breach: "Forecast breach",
    });
  });
});
