// From the job's inputs to finding rows, without a database: which hours are judged (the 24
// complete hours before the current one), against what (the same hour on the 14 days before),
// and which tenant × resource series are too new or too quiet to judge.
import { describe, expect, it } from "vitest";
import { dailyAnomalies, hourlySpike } from "./anomalies.ts";
import { findDaily, findHourly, HOURLY_HISTORY_DAYS } from "./findings.ts";
import type { TenantResource } from "./inputs.server.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CURRENT_HOUR = Date.parse("2026-03-18T10:00:00Z");
const key = (tenantId: string, resource: "llm" | "sandbox"): TenantResource =>
  ({ tenantId, tenantSlug: tenantId, tenantName: tenantId.toUpperCase(), resource }) as TenantResource;
/** `days` UTC days ending 2026-03-17, `usd` each. */
const series = (days: number, usd: (k: number) => number) =>
  Array.from({ length: days }, (_, k) => ({ day: new Date(Date.parse("2026-03-17T00:00:00Z") - (days - 1 - k) * DAY).toISOString().slice(0, 10), usd: usd(k) }));

/** $1 in every hour of the 15 days before CURRENT_HOUR, plus the given hours. */
function hours(extra: Record<string, number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let h = CURRENT_HOUR - 15 * DAY; h < CURRENT_HOUR; h += HOUR) m.set(h, 1);
  for (const [iso, usd] of Object.entries(extra)) m.set(Date.parse(iso), usd);
  return m;
}

describe("findHourly", () => {
  const steady = series(HOURLY_HISTORY_DAYS, () => 24);

  it("judges only the 24 complete hours before the current one, each against the same hour of the 14 days before", () => {
    const t1 = key("t1", "llm");
    const hourly = new Map([
      [
        "t1:llm",
        hours({
          "2026-03-18T03:00:00Z": 500, // inside the window: a spike
          "2026-03-17T09:00:00Z": 500, // one hour before the window
          "2026-03-18T10:00:00Z": 500, // the current hour: not complete yet
          "2026-03-18T05:00:00Z": 0, // nothing spent: never judged
        }),
      ],
    ]);
    const found = findHourly([{ key: t1, series: steady }], hourly, { currentHour: CURRENT_HOUR, sensitivity: 2 });
    expect(found.map((f) => [f.key.tenantId, f.day, f.hour, f.actual, f.severity])).toEqual([["t1", "2026-03-18", 3, 500, "high"]]);
    const spikeHour = Date.parse("2026-03-18T03:00:00Z");
    const history = Array.from({ length: HOURLY_HISTORY_DAYS }, (_, k) => hourly.get("t1:llm")!.get(spikeHour - (k + 1) * DAY) ?? 0);
    expect(history).toEqual(Array(14).fill(1));
    expect(found[0]).toEqual({ key: t1, day: "2026-03-18", hour: 3, ...hourlySpike(500, history, 24, 2) });
  });

  it("reads hours past midnight as the next UTC day", () => {
    const hourly = new Map([["t1:llm", hours({ "2026-03-17T23:00:00Z": 400, "2026-03-18T00:00:00Z": 400 })]]);
    const found = findHourly([{ key: key("t1", "llm"), series: steady }], hourly, { currentHour: CURRENT_HOUR, sensitivity: 2 });
    expect(found.map((f) => [f.day, f.hour])).toEqual([
      ["2026-03-17", 23],
      ["2026-03-18", 0],
    ]);
  });

  it("skips a series active on fewer than 7 of its last 14 days, and one with no hourly rows", () => {
    const spike = { "2026-03-18T03:00:00Z": 500 };
    const sixActiveDays = series(HOURLY_HISTORY_DAYS, (k) => (k >= 8 ? 24 : 0));
    const sevenActiveDays = series(HOURLY_HISTORY_DAYS, (k) => (k >= 7 ? 24 : 0));
    const hourly = new Map([
      ["new:llm", hours(spike)],
      ["seven:llm", hours(spike)],
    ]);
    const found = findHourly(
      [
        { key: key("new", "llm"), series: sixActiveDays },
        { key: key("seven", "llm"), series: sevenActiveDays },
        { key: key("quiet", "sandbox"), series: steady },
      ],
      hourly,
      { currentHour: CURRENT_HOUR, sensitivity: 2 },
    );
    expect(found.map((f) => f.key.tenantId)).toEqual(["seven"]);
  });

  it("finds nothing in steady spend", () => {
    const found = findHourly([{ key: key("t1", "llm"), series: steady }], new Map([["t1:llm", hours({})]]), { currentHour: CURRENT_HOUR, sensitivity: 2 });
    expect(found).toEqual([]);
  });
});

describe("findDaily", () => {
  it("is the daily analysis of each series, with its key and no hour", () => {
    const a = series(60, (k) => (k === 59 ? 400 : 20 + (k % 7)));
    const b = series(60, () => 10);
    const opts = { evaluateFrom: "2026-03-17", sensitivity: 2 };
    const found = findDaily([{ key: key("a", "llm"), series: a }, { key: key("b", "sandbox"), series: b }], opts);
    expect(found.map((f) => [f.key.tenantId, f.day, f.hour, f.actual])).toEqual([["a", "2026-03-17", null, 400]]);
    expect(found).toEqual(dailyAnomalies(a, opts).map((f) => ({ key: key("a", "llm"), hour: null, ...f })));
  });
});
