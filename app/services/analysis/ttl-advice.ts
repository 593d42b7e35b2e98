// Sandbox TTL advice (pure). A sandbox is billed from creation until it is killed or its TTL
// fires; work that finishes early leaves an idle tail (billed − active) that a shorter TTL cuts.
//
// Recommended TTL = the smallest TTL covering 95% of the observed active durations (nearest
// rank), plus a 20% margin, rounded up to 10 s, at least 30 s and never above the current TTL.
// Projected billing under it: a run whose work fits (active ≤ TTL') is billed min(billed, TTL');
// a run that needs longer keeps its billed time (it would be extended or retried, so no saving is
// claimed for it). Saving = Σ saved seconds × the tier's price per second.
import { ZERO, type Money } from "~/core/money.ts";

export const COVERED_SHARE = 0.95;
export const MARGIN = 1.2;
export const ROUND_TO_SECONDS = 10;
export const MIN_TTL_SECONDS = 30;

export interface SandboxRun {
  billedMs: number;
  /** null when the product did not report it: such runs are priced but not used to pick a TTL. */
  activeMs: number | null;
  ttlSeconds: number | null;
  costUsd: Money;
  /** Price per billed second to value savings at (the tier's current rate). */
  usdPerSecond: Money;
}

export interface TtlAdvice {
  runs: number;
  billedSeconds: number;
  activeSeconds: number;
  idleSeconds: number;
  currentTtlSeconds: number | null;
  recommendedTtlSeconds: number | null;
  sandboxCostUsd: Money;
  /** Over the observed window (the caller scales it to a month). */
  savingUsd: Money;
  savedSeconds: number;
}

export function adviseTtl(runs: SandboxRun[]): TtlAdvice {
  const billedMs = sum(runs.map((r) => r.billedMs));
  const measured = runs.filter((r): r is SandboxRun & { activeMs: number } => r.activeMs !== null);
  const activeMs = sum(measured.map((r) => r.activeMs));
  const idleMs = sum(measured.map((r) => Math.max(0, r.billedMs - r.activeMs)));
  const ttls = runs.map((r) => r.ttlSeconds).filter((t): t is number => t !== null);
  const currentTtl = ttls.length ? Math.max(...ttls) : null;
  const advice: TtlAdvice = {
    runs: runs.length,
    billedSeconds: billedMs / 1000,
    activeSeconds: activeMs / 1000,
    idleSeconds: idleMs / 1000,
    currentTtlSeconds: currentTtl,
    recommendedTtlSeconds: null,
    sandboxCostUsd: runs.reduce((s, r) => s.add(r.costUsd), ZERO),
    savingUsd: ZERO,
    savedSeconds: 0,
  };
  if (measured.length === 0) return advice;

  const ttl = recommendTtl(nearestRank(measured.map((r) => r.activeMs / 1000), COVERED_SHARE), currentTtl);
  advice.recommendedTtlSeconds = ttl;

  const ttlMs = ttl * 1000;
  let saving = ZERO;
  let savedMs = 0;
  for (const r of measured) {
    if (r.activeMs > ttlMs || r.billedMs <= ttlMs) continue;
    const saved = r.billedMs - ttlMs;
    savedMs += saved;
    saving = saving.add(r.usdPerSecond.mul(saved).div(1000));
  }
  advice.savingUsd = saving;
  advice.savedSeconds = savedMs / 1000;
  return advice;
}

/** The TTL for runs whose COVERED_SHARE-th active duration is `coveredSeconds`: margin, rounding, bounds. */
export function recommendTtl(coveredSeconds: number, currentTtlSeconds: number | null): number {
  const ttl = Math.max(MIN_TTL_SECONDS, Math.ceil((coveredSeconds * MARGIN) / ROUND_TO_SECONDS) * ROUND_TO_SECONDS);
  return currentTtlSeconds === null ? ttl : Math.min(ttl, currentTtlSeconds);
}

/** The smallest observed value v with at least `share` of the values ≤ v. */
export function nearestRank(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)];
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
