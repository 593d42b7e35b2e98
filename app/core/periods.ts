// UTC calendar periods (ISO weeks start on Monday) and Retry-After arithmetic.
import type { Period } from "./types.ts";

const DAY_MS = 86_400_000;

export function periodStart(period: Period, at: Date): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  if (period === "day") return new Date(Date.UTC(y, m, d));
  if (period === "month") return new Date(Date.UTC(y, m, 1));
  const dayStart = Date.UTC(y, m, d);
  const sinceMonday = (at.getUTCDay() + 6) % 7;
  return new Date(dayStart - sinceMonday * DAY_MS);
}

export function periodEnd(period: Period, at: Date): Date {
  const start = periodStart(period, at);
  if (period === "day") return new Date(start.getTime() + DAY_MS);
  if (period === "week") return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** Whole seconds until the period containing `at` resets (at least 1, for Retry-After). */
export function retryAfterSeconds(period: Period, at: Date): number {
  return Math.max(1, Math.ceil((periodEnd(period, at).getTime() - at.getTime()) / 1000));
}

/** The three period starts of an instant, passed to SQL so the database never uses its own clock. */
export function periodStarts(at: Date) {
  return {
    day: periodStart("day", at),
    week: periodStart("week", at),
    month: periodStart("month", at),
    dayEnd: periodEnd("day", at),
    weekEnd: periodEnd("week", at),
    monthEnd: periodEnd("month", at),
  };
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The UTC day, week and month containing `at` as [start, end) dates (YYYY-MM-DD): the bounds the
 * panel's reports filter day rows (spend_daily, denials) by, the same periods the quotas count.
 */
export function periodBounds(at: Date): Record<Period, { start: string; end: string }> {
  const bounds = (period: Period) => ({ start: isoDay(periodStart(period, at)), end: isoDay(periodEnd(period, at)) });
  return { day: bounds("day"), week: bounds("week"), month: bounds("month") };
}
