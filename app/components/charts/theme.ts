// The one chart theme: resource colours and axis styling shared by every recharts chart.
// Colours are distinguishable for the common colour-vision deficiencies (blue / orange).
export const RESOURCE_COLORS = {
  llm: "#2563eb",
  sandbox: "#ea8a0c",
} as const;

export const AXIS_TICK = { fontSize: 12, fill: "#5b6474" } as const;
export const GRID_STROKE = "#e3e7ee";

/** Breakdowns that are not split by resource (users, touchpoints), and their folded "other" bar. */
export const CATEGORY_COLOR = "#4f46e5";
export const OTHER_COLOR = "#94a3b8";

/** Forecast chart: actual and forecast in the LLM blue family, the limit and a breach in red. */
export const FORECAST_COLORS = {
  actual: "#1e3a8a",
  forecast: "#2563eb",
  band: "#93c5fd",
  limit: "#b91c1c",
  breach: "#dc2626",
} as const;

/** Anomaly markers by severity (the analysis grades findings low / medium / high). */
export const ANOMALY_COLORS: Record<string, string> = {
  high: "#b91c1c",
  medium: "#c2410c",
  low: "#a16207",
};

/** Denials (ADR 0014): requests refused, in the limit red of the forecast chart. */
export const DENIAL_COLOR = "#b91c1c";
