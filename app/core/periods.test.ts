// UTC calendar periods: the bounds every quota row is keyed by, so an off-by-one here would
// count a request against the wrong day/week/month.
import { describe, expect, it } from "vitest";
import { periodBounds, periodEnd, periodStart, periodStarts, retryAfterSeconds } from "./periods.ts";

const at = (iso: string) => new Date(iso);
const bounds = (period: "day" | "week" | "month", iso: string) => [periodStart(period, at(iso)).toISOString(), periodEnd(period, at(iso)).toISOString()];

describe("periodStart / periodEnd", () => {
  it("day: midnight UTC to the next midnight", () => {
    expect(bounds("day", "2026-12-02T10:15:30.123Z")).toEqual(["2026-12-02T00:00:00.000Z", "2026-12-03T00:00:00.000Z"]);
    expect(bounds("day", "2026-12-31T23:59:59.999Z")).toEqual(["2026-12-31T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
  });

  it("week starts on Monday (ISO), whatever weekday the instant falls on", () => {
    // 2026-11-30 is a Monday.
    expect(bounds("week", "2026-11-30T00:00:00.000Z")).toEqual(["2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z"]);
    expect(bounds("week", "2026-12-02T10:00:00.000Z")).toEqual(["2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z"]);
    // Sunday, the last millisecond of the week, still belongs to it.
    expect(bounds("week", "2026-12-06T23:59:59.999Z")).toEqual(["2026-11-30T00:00:00.000Z", "2026-12-07T00:00:00.000Z"]);
    // A week that spans the year end (2027-01-01 is a Friday).
    expect(bounds("week", "2027-01-01T12:00:00.000Z")).toEqual(["2026-12-28T00:00:00.000Z", "2027-01-04T00:00:00.000Z"]);
  });

  it("month: the 1st to the next month's 1st, across the year end", () => {
    expect(bounds("month", "2026-12-02T10:00:00.000Z")).toEqual(["2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
    expect(bounds("month", "2026-12-31T23:59:59.999Z")).toEqual(["2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"]);
    expect(bounds("month", "2027-01-31T23:00:00.000Z")).toEqual(["2027-01-01T00:00:00.000Z", "2027-02-01T00:00:00.000Z"]);
    expect(bounds("month", "2027-02-28T23:59:59.999Z")).toEqual(["2027-02-01T00:00:00.000Z", "2027-03-01T00:00:00.000Z"]);
  });

  it("leap day 2028-02-29 (a Tuesday): its own day, February of 29 days, the week from Monday the 28th", () => {
    expect(bounds("day", "2028-02-29T12:00:00.000Z")).toEqual(["2028-02-29T00:00:00.000Z", "2028-03-01T00:00:00.000Z"]);
    expect(bounds("month", "2028-02-29T12:00:00.000Z")).toEqual(["2028-02-01T00:00:00.000Z", "2028-03-01T00:00:00.000Z"]);
    expect(bounds("week", "2028-02-29T12:00:00.000Z")).toEqual(["2028-02-28T00:00:00.000Z", "2028-03-06T00:00:00.000Z"]);
  });

  it("an instant exactly at a boundary opens the new period (the end is exclusive)", () => {
    expect(bounds("day", "2027-01-01T00:00:00.000Z")).toEqual(["2027-01-01T00:00:00.000Z", "2027-01-02T00:00:00.000Z"]);
    expect(bounds("week", "2026-12-07T00:00:00.000Z")).toEqual(["2026-12-07T00:00:00.000Z", "2026-12-14T00:00:00.000Z"]);
    expect(bounds("month", "2027-01-01T00:00:00.000Z")).toEqual(["2027-01-01T00:00:00.000Z", "2027-02-01T00:00:00.000Z"]);
    // One millisecond earlier is the old period.
    expect(bounds("month", "2026-12-31T23:59:59.999Z")[0]).toBe("2026-12-01T00:00:00.000Z");
  });
});

describe("retryAfterSeconds", () => {
  it("whole seconds to the period's end, rounded up, at least 1", () => {
    expect(retryAfterSeconds("day", at("2026-12-02T10:00:00.000Z"))).toBe(14 * 3600);
    expect(retryAfterSeconds("day", at("2026-12-02T23:59:59.001Z"))).toBe(1);
    expect(retryAfterSeconds("day", at("2026-12-02T23:59:58.500Z"))).toBe(2);
    expect(retryAfterSeconds("day", at("2026-12-03T00:00:00.000Z"))).toBe(86_400);
    expect(retryAfterSeconds("week", at("2026-12-06T23:00:00.000Z"))).toBe(3600);
    expect(retryAfterSeconds("month", at("2028-02-29T00:00:00.000Z"))).toBe(86_400);
  });
});

describe("periodStarts", () => {
  it("all three periods' bounds of one instant", () => {
    expect(periodStarts(at("2026-12-31T18:30:00.000Z"))).toEqual({
      day: at("2026-12-31T00:00:00.000Z"),
      week: at("2026-12-28T00:00:00.000Z"),
      month: at("2026-12-01T00:00:00.000Z"),
      dayEnd: at("2027-01-01T00:00:00.000Z"),
      weekEnd: at("2027-01-04T00:00:00.000Z"),
      monthEnd: at("2027-01-01T00:00:00.000Z"),
    });
  });
});

describe("periodBounds", () => {
  it("gives UTC day, ISO week (Monday) and month boundaries as dates", () => {
    // A Wednesday: the ISO week started on Monday the 16th.
    expect(periodBounds(at("2026-03-18T10:00:00Z"))).toEqual({
      day: { start: "2026-03-18", end: "2026-03-19" },
      week: { start: "2026-03-16", end: "2026-03-23" },
      month: { start: "2026-03-01", end: "2026-04-01" },
    });
    // Sunday belongs to the week that began the Monday before; late evening UTC is still that day.
    expect(periodBounds(at("2026-03-22T23:59:59Z")).week).toEqual({ start: "2026-03-16", end: "2026-03-23" });
    expect(periodBounds(at("2026-12-31T23:00:00Z")).month).toEqual({ start: "2026-12-01", end: "2027-01-01" });
    // A week across the year's end; February of a leap year.
    expect(periodBounds(at("2027-01-01T00:00:00Z")).week).toEqual({ start: "2026-12-28", end: "2027-01-04" });
    expect(periodBounds(at("2028-02-29T12:00:00Z")).month).toEqual({ start: "2028-02-01", end: "2028-03-01" });
  });
});
