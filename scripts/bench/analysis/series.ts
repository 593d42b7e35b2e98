// Generated tenant-days with known truth: the series families of the analysis backtest. Each
// series is deterministic for (family, seed): the same run on every machine. Daily spend is a
// level × weekday rhythm × noise (a gamma draw, so a day is never negative and the spread is
// that of many conversations), with the family's own shape on top; anomalies are labelled.
import { Random } from "../../../prisma/seed/random.ts";
import type { DayValue } from "../../../app/services/analysis/anomalies.ts";

export const FAMILIES = ["steady", "growth-linear", "growth-exp", "new-tenant", "spikes", "incidents", "level-shift", "sparse", "boundaries"] as const;
export type Family = (typeof FAMILIES)[number];
/** Families with no labelled anomaly: every finding on them is a false positive. */
export const CLEAN_FAMILIES: readonly Family[] = ["steady", "growth-linear", "growth-exp", "sparse", "boundaries"];
export const SPIKE_SIZES = [2, 3, 5] as const;

export const SERIES_DAYS = 200;
const DAY_MS = 86_400_000;
/** Monday 2025-12-29; each seed shifts the start by 0–6 days so weekdays and month ends fall differently. */
const EPOCH = Date.UTC(2025, 11, 29);

export interface Labelled {
  /** Kind of labelled event: a one-day spike, a multi-day incident, the first days of a level shift. */
  kind: "spike" | "incident" | "shift";
  /** × the normal spend of its days. */
  size: number;
  days: string[];
}

export interface GeneratedSeries {
  family: Family;
  seed: number;
  /** Consecutive days, missing spend as 0 (the new tenant's days before its first cost are 0). */
  days: DayValue[];
  /** Index of the first day of the tenant's history. */
  historyStart: number;
  events: Labelled[];
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Gamma(shape k, mean 1) by Marsaglia–Tsang: a day's noise with coefficient of variation 1/√k. */
function gammaNoise(rnd: Random, cv: number): number {
  const k = 1 / (cv * cv);
  const boost = k < 1 ? Math.pow(rnd.next() || 1e-12, 1 / k) : 1;
  const a = k < 1 ? k + 1 : k;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rnd.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rnd.next();
    if (Math.log(u || 1e-12) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v * boost) / k;
  }
}

export function generateSeries(family: Family, seed: number): GeneratedSeries {
  const rnd = new Random(`analysis-backtest:${family}:${seed}`);
  const start = EPOCH + rnd.int(0, 6) * DAY_MS;
  const level = Math.exp(rnd.between(Math.log(20), Math.log(2000)));
  const weekend = family === "boundaries" ? rnd.between(0.1, 0.35) : rnd.between(0.35, 1);
  // Weekday shape: Monday–Friday around 1 (each weekday its own habit), the weekend lower.
  const rhythm = Array.from({ length: 7 }, (_, w) => (w === 0 || w === 6 ? weekend : rnd.between(0.9, 1.1)));
  const cv = rnd.between(0.08, 0.25);
  const events: Labelled[] = [];
  let historyStart = 0;
  let shape = (_i: number) => 1;
  const multiplier = new Map<number, number>();

  const placeEvents = (kind: "spike" | "incident", count: number) => {
    const size = rnd.pick(SPIKE_SIZES);
    let at = rnd.int(40, 60);
    for (let e = 0; e < count && at < SERIES_DAYS - 6; e++) {
      const length = kind === "spike" ? 1 : rnd.int(2, 5);
      const days: string[] = [];
      for (let k = 0; k < length; k++) {
        multiplier.set(at + k, size);
        days.push(isoDay(start + (at + k) * DAY_MS));
      }
      events.push({ kind, size, days });
      // Anomalies are rare by definition: a tenant with a 5× day every fortnight has a rhythm,
      // not anomalies, and no forecast should leave those days out.
      at += length + rnd.int(20, 45);
    }
  };

  switch (family) {
    case "growth-linear": {
      const total = rnd.between(0.8, 2.5); // +80% … +250% over the series
      shape = (i) => 1 + (total * i) / SERIES_DAYS;
      break;
    }
    case "growth-exp": {
      const monthly = rnd.between(0.08, 0.25); // +8% … +25% a month, compounding
      shape = (i) => Math.pow(1 + monthly, i / 30.44);
      break;
    }
    case "new-tenant": {
      historyStart = rnd.int(100, 150);
      const ramp = rnd.int(3, 14); // from a fifth of its normal spend to all of it
      shape = (i) => (i < historyStart ? 0 : i - historyStart >= ramp ? 1 : 0.2 + (0.8 * (i - historyStart)) / ramp);
      break;
    }
    case "spikes":
      placeEvents("spike", 5);
      break;
    case "incidents":
      placeEvents("incident", 4);
      break;
    case "level-shift": {
      const at = rnd.int(90, 160);
      const factor = rnd.between(1.8, 2.5);
      shape = (i) => (i >= at ? factor : 1);
      events.push({ kind: "shift", size: factor, days: [0, 1, 2].map((k) => isoDay(start + (at + k) * DAY_MS)) });
      break;
    }
    default:
      break;
  }

  const days: DayValue[] = [];
  for (let i = 0; i < SERIES_DAYS; i++) {
    const t = start + i * DAY_MS;
    const w = new Date(t).getUTCDay();
    let usd: number;
    if (family === "sparse") {
      // A tiny tenant: a conversation or two a day at a few cents each, many days with none.
      usd = 0;
      const conversations = rnd.poisson(0.4 + 1.2 * (seed % 5) / 5 * rhythm[w]);
      for (let c = 0; c < conversations; c++) usd += rnd.logNormal(0.03, 0.8);
    } else {
      const base = level * rhythm[w] * shape(i);
      // A spike of size m adds (m − 1) normal days on top of the day's own noisy spend.
      usd = base > 0 ? base * (gammaNoise(rnd, cv) + (multiplier.get(i) ?? 1) - 1) : 0;
    }
    days.push({ day: isoDay(t), usd: Number(usd.toFixed(6)) });
  }
  if (family === "sparse") historyStart = Math.max(0, days.findIndex((d) => d.usd > 0));
  return { family, seed, days, historyStart, events };
}
