// A tiny `npm run bench:dashboards` against the test server (DATABASE_URL mode): it loads the
// records with exact rollups, runs the analysis job (the cost-optimization page reads the TTL
// advice it stores), every loader answers a real page, the CSV export streams exactly the
// filtered records, and the last stdout line is the JSON contract of shared/BENCH.md.
// No timing is asserted (machines are shared and noisy).
import { inject, describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres.ts";
import { runScript } from "../../lib/test/run-script.ts";

const LOADERS = [
  "tenant-detail", "tenant-detail-90-days", "explorer-first-page", "explorer-deep-page", "explorer-filtered",
  "explorer-by-cost", "tenant-records-first-page", "overview", "cost-optimization",
];

describe("npm run bench:dashboards", () => {
  it("a small run times every loader on real pages and prints the JSON contract last", async () => {
    const args = ["--records", "30000", "--iterations", "2", "--warmup", "1"];
    const { stdout, stderr, code } = await runScript("scripts/bench/dashboards/index.ts", args, { DATABASE_URL: withDatabase(inject("pgAdminUrl"), "postgres") });
    // Exit 1 = a p95 over target on a busy machine: not this test's business. 2 = a failure.
    expect(code, stderr).not.toBe(2);
    expect(stderr).toContain("loaded 30,000 / 30,000 cost records");
    expect(stderr).toContain("(exactly the records' sum)");
    expect(stderr).toMatch(/bench:dashboards: analysis: TTL advice: [1-9][\d,]* tenant × touchpoint pairs/);
    const lines = stdout.trimEnd().split("\n");
    const json = JSON.parse(lines[lines.length - 1]);
    expect(json.records).toBe(30_000);
    expect(json.loaders.map((l: { name: string }) => l.name)).toEqual(LOADERS);
    for (const l of json.loaders) {
      expect(l.p50Ms).toBeGreaterThan(0);
      expect(l.p95Ms).toBeGreaterThanOrEqual(l.p50Ms);
      expect(l.maxMs).toBeGreaterThanOrEqual(l.p95Ms);
    }
    // The export is one tenant's month: the heaviest tenant has about a tenth of the records.
    expect(json.csvExportRows).toBeGreaterThan(100);
    expect(json.csvExportRowsPerSec).toBeGreaterThan(0);
    expect(json.analysisSeconds).toBeGreaterThan(0);
    expect(Object.keys(json)).toEqual(["records", "loaders", "csvExportRowsPerSec", "csvExportRows", "loadSeconds", "analysisSeconds"]);
  }, 180_000);
});
