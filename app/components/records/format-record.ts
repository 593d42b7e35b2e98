// Display of single cost records: per-call amounts are mostly fractions of a cent, so they keep
// more decimals than the dashboard totals (format.ts); the exact value stays in the title.
import Decimal from "decimal.js";

const Display = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

/** "$12.35" from $1 up; below, 6 decimals ("$0.001543", aligned in a column); "<$0.000001" for dust. */
export function formatCallCost(value: string): string {
  const d = new Display(value);
  if (d.isZero()) return "$0.00";
  const abs = d.abs();
  const sign = d.isNeg() ? "-" : "";
  if (abs.gte(1)) {
    const [whole, cents] = abs.toFixed(2).split(".");
    return `${sign}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
  }
  if (abs.lt("0.0000005")) return `${sign}<$0.000001`;
  return `${sign}$${abs.toFixed(6)}`;
}

/** "2026-03-18 14:05:09" (UTC), from an ISO timestamp. */
export function formatRecordTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

const int = new Intl.NumberFormat("en-US");

/** What was used, one or two short lines: tokens for LLM calls, seconds for sandboxes. */
export function formatUsage(r: {
  resource: "llm" | "sandbox";
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  billedDurationMs: number | null;
  activeDurationMs: number | null;
}): string[] {
  if (r.resource === "sandbox") {
    if (r.billedDurationMs === null) return ["—"];
    const billed = `${(r.billedDurationMs / 1000).toFixed(1)} s billed`;
    return r.activeDurationMs === null ? [billed] : [billed, `${(r.activeDurationMs / 1000).toFixed(1)} s active`];
  }
  if (r.inputTokens === null && r.outputTokens === null) return ["—"];
  const lines = [`${int.format(r.inputTokens ?? 0)} in · ${int.format(r.outputTokens ?? 0)} out`];
  if (r.cachedInputTokens) lines.push(`${int.format(r.cachedInputTokens)} cached in`);
  return lines;
}
