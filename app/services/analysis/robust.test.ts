// Robust location and spread: the median and the scaled MAD, the floors that keep a flat series
// from making every cent an anomaly, and the severity bands relative to the sensitivity.
import { describe, expect, it } from "vitest";
import { MAD_SCALE, robustScore, severityOf } from "./robust.ts";

const NO_FLOORS = { relative: 0, absolute: 0 };

describe("robustScore", () => {
  it("scores against the median and 1.4826 × MAD, so one earlier spike moves neither", () => {
    // median 10.5; deviations 0.5, 0.5, 1.5, 1.5, 2.5 and 89.5 (the spike) → MAD 1.5
    const baseline = [8, 9, 10, 11, 12, 100];
    const r = robustScore(16, baseline, NO_FLOORS);
    expect(r.expected).toBe(10.5);
    expect(r.scale).toBeCloseTo(MAD_SCALE * 1.5, 12);
    expect(r.score).toBeCloseTo(5.5 / (MAD_SCALE * 1.5), 12);
  });

  it("a flat series takes the larger floor: relative to the median, or absolute", () => {
    const flat = [100, 100, 100, 100];
    expect(robustScore(120, flat, { relative: 0.1, absolute: 1 })).toEqual({ expected: 100, scale: 10, score: 2 });
    expect(robustScore(3, [0.5, 0.5, 0.5], { relative: 0.1, absolute: 1 })).toEqual({ expected: 0.5, scale: 1, score: 2.5 });
  });

  it("is negative below the baseline", () => {
    expect(robustScore(80, [100, 100, 100], { relative: 0.1, absolute: 1 }).score).toBe(-2);
  });
});

describe("severityOf", () => {
  it.each([
    [2, null], // at the sensitivity: not above it
    [-5, null],
    [Number.NaN, null],
    [2.01, "low"],
    [2.99, "low"],
    [3, "medium"],
    [3.99, "medium"],
    [4, "high"],
    [40, "high"],
  ])("score %s at sensitivity 2 → %s", (score, expected) => {
    expect(severityOf(score, 2)).toBe(expected);
  });

  it("scales its bands with the sensitivity", () => {
    expect([severityOf(3.1, 3), severityOf(4.5, 3), severityOf(6, 3)]).toEqual(["low", "medium", "high"]);
  });
});
