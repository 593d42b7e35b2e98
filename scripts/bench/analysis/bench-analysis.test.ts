// A tiny `npm run bench:analysis` (2 series of three families): it finishes, prints the tables
// and then the JSON line last, and — the seeds being fixed — the same numbers on every machine.
// The exact values pin the issue's two findings: the previous method flagged new tenants'
// ordinary days (435 per 100 tenant-months in their first 28 days) where today's flags none,
// and the spike family's forecast error at 14 days left is a quarter of the naive run rate's.
import { describe, expect, it } from "vitest";
import { runScript } from "../../lib/test/run-script.ts";

describe("npm run bench:analysis", () => {
  it("a tiny run prints the tables, then one JSON line with every family × method, deterministic", async () => {
    const { stdout, stderr, code } = await runScript("scripts/bench/analysis/index.ts", ["--seeds", "2", "--families", "steady,spikes,new-tenant"]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    expect(stdout).toContain("| family | method | APE 21 d left |");
    expect(stdout).toContain("| target (issue #14) | goal | measured |  |");

    expect(result.families.map((f: any) => [f.family, f.series, Object.keys(f.forecasts), Object.keys(f.anomalies)])).toEqual([
      ["steady", 2, ["tollgate", "previous", "classic", "naive"], ["tollgate", "previous", "classic"]],
      ["spikes", 2, ["tollgate", "previous", "classic", "naive"], ["tollgate", "previous", "classic"]],
      ["new-tenant", 2, ["tollgate", "previous", "classic", "naive"], ["tollgate", "previous", "classic"]],
    ]);
    for (const f of result.families) {
      for (const m of Object.values(f.forecasts) as any[]) {
        expect(Object.keys(m)).toEqual(["ape7", "ape14", "ape21", "coverage80", "breachPrecision", "breachRecall", "leadDays"]);
      }
    }
    const [steady, spikes, young] = result.families;
    expect(steady.anomalies.tollgate.fpPer100TenantMonths).toBe(0);
    expect(steady.anomalies.previous.fpPer100TenantMonths).toBe(42.27);
    expect(spikes.anomalies.tollgate.bySize).toEqual({
      "2x": { precision: 1, recall: 0.6, f1: 0.75, events: 5 },
      "5x": { precision: 1, recall: 1, f1: 1, events: 5 },
    });
    expect([spikes.forecasts.tollgate.ape14, spikes.forecasts.naive.ape14]).toEqual([1.9, 7.6]);
    expect([young.anomalies.tollgate.newTenantFpPer100TenantMonths, young.anomalies.previous.newTenantFpPer100TenantMonths]).toEqual([0, 434.82]);
    expect(result.targets.map((t: any) => t.figure)).toEqual([
      "80% interval coverage, every family",
      "APE at 14 days left vs naive run rate, growth and spike families",
      "APE at 14 days left vs naive run rate, steady families",
      "anomaly F1 on spikes ≥ 3× baseline",
      "false positives per 100 tenant-months, clean series",
      "false positives per 100 tenant-months, new tenants' first 28 days",
    ]);
    expect(result.meta).toMatchObject({ seeds: 2, sensitivity: 2 });
  }, 120_000);
});
