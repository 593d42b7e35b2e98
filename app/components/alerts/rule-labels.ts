// How rules read on the pages: the kind as a sentence and the params as conditions.
export const RULE_KIND_LABEL: Record<string, string> = {
  quota_threshold: "Quota warning threshold reached",
  quota_exceeded: "Quota exceeded",
  anomaly: "Spend anomaly",
  forecast_breach: "Forecast breach",
};

export function ruleConditions(params: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(params.thresholds) && params.thresholds.length) parts.push(`at ${params.thresholds.join("%, ")}%`);
  if (typeof params.minSeverity === "string") parts.push(`severity ≥ ${params.minSeverity}`);
  if (typeof params.resource === "string") parts.push(`resource ${params.resource}`);
  return parts.length ? parts.join(" · ") : "every event of this kind";
}
