// A tiny `npm run bench:http` against the test server (DATABASE_URL mode): it starts the real
// server and the bare reference, drives every cell, prints the JSON last, every request of
// the API cells answers 2xx, and the ledger reconciles. No timing is asserted.
import { inject, describe, expect, it } from "vitest";
import { withDatabase } from "../../lib/postgres.ts";
import { runScript } from "../../lib/test/run-script.ts";
import { serverProcesses } from "../../lib/workers.ts";
import { HTTP_CELLS } from "./options.ts";

describe("npm run bench:http", () => {
  // The fixture (1,000 tenants, 100 k history rows) and two server starts take most of the time.
  it("a tiny run prints every cell and the references as the JSON line, all 2xx, ledger clean", { timeout: 300_000 }, async () => {
    const args = ["--duration", "0.5", "--warmup", "0", "--concurrency", "2"];
    const { stdout, stderr, code } = await runScript("scripts/bench/http/index.ts", args, { DATABASE_URL: withDatabase(inject("pgAdminUrl"), "postgres") });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[lines.length - 1].startsWith("{"), stderr).toBe(true);
    const result = JSON.parse(lines[lines.length - 1]);
    expect(code, stderr).toBe(0);
    expect(result.meta.reconcileClean).toBe(true);
    // By default the server runs as `npm start` does: one process per core (node:cluster).
    expect(result.meta.processes).toBe(serverProcesses(0));
    // The two references, then every API cell, each at c=2.
    expect(result.http.map((r: any) => [r.cell, r.target, r.concurrency])).toEqual([
      ["health", "bare", 2],
      ["pairs", "core", 2],
      ...HTTP_CELLS.map((c) => [c, "app", 2]),
    ]);
    for (const r of result.http) {
      expect(r.requests, `${r.cell} ${r.target}`).toBeGreaterThan(0);
      expect([r.cell, r.target, r.non2xx, r.errors]).toEqual([r.cell, r.target, 0, 0]);
      // Read from /proc for every serving process (null only for the in-process core).
      if (r.target !== "core") expect(r.serverCpuMsPerRequest, `${r.cell} ${r.target}`).toEqual(expect.any(Number));
    }
    // pairs count two requests per operation; everything else one.
    const pairs = result.http.find((r: any) => r.cell === "pairs" && r.target === "app");
    expect(pairs.opsPerSec).toBeLessThanOrEqual(pairs.requestsPerSec / 2 + 1);
    expect(Object.keys(result.ratios).sort()).toEqual(["health_vs_bare", "pairs_vs_core"]);
    expect(typeof result.ratios.health_vs_bare).toBe("number");
  });
});
