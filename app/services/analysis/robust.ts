// Robust location and spread: median and MAD (scaled by 1.4826 so it estimates σ for normal
// data), with floors so a flat series (MAD = 0) does not turn every cent of change into an
// "infinite" z-score.
import { median, medianAbsoluteDeviation } from "simple-statistics";

export const MAD_SCALE = 1.4826;

export type Severity = "low" | "medium" | "high";

export interface Floors {
  /** Minimum spread as a share of the median (a flat $100/day series moves by $10 before z = 1). */
  relative: number;
  /** Minimum spread in USD (tiny tenants: a few cents are never an anomaly). */
  absolute: number;
}

export interface RobustScore {
  /** The baseline median: what the value was expected to be. */
  expected: number;
  /** The spread used: max(1.4826 × MAD, floors). */
  scale: number;
  /** (actual − expected) / scale; positive above the baseline. */
  score: number;
}

export function robustScore(actual: number, baseline: number[], floors: Floors): RobustScore {
  const expected = median(baseline);
  const mad = medianAbsoluteDeviation(baseline);
  const scale = Math.max(MAD_SCALE * mad, floors.relative * expected, floors.absolute);
  return { expected, scale, score: (actual - expected) / scale };
}

/**
 * Only upward deviations are findings (a dip costs nothing; see docs/adr/0005). Bands relative
 * to the sensitivity s: (s, 1.5s) low, [1.5s, 2s) medium, ≥ 2s high.
 */
export function severityOf(score: number, sensitivity: number): Severity | null {
  if (!(score > sensitivity)) return null;
  if (score >= 2 * sensitivity) return "high";
  if (score >= 1.5 * sensitivity) return "medium";
  return "low";
}
