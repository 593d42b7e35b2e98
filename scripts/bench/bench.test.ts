// A tiny `npm run bench` against the test server (DATABASE_URL mode): it finishes, its last
// stdout line is the JSON contract of shared/BENCH.md, tollgate never overspends, and the
// contended $10 budget admits exactly 100 of 500 $0.10 holds per round, in one process and
// across two. No timing is asserted.
import pg from "pg";
import { inject, describe, expect, it } from "vitest";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { withDatabase } from "../lib/postgres.ts";
import { runScript } from "../lib/test/run-script.ts";

const ROUNDS = 2;
const NUMERIC = ["concurrency", "processes", "ops", "seconds", "opsPerSec", "p50Ms", "p95Ms", "p99Ms", "allowed", "denied", "overspendUsd"];

async function benchDatabases(): Promise<string[]> {
  const c = new pg.Client(poolConfig(inject("pgAdminUrl")));
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'tollgate_bench_%'`);
    return rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

describe("npm run bench", () => {
  it("a tiny run prints the JSON contract last, with no tollgate overspend", async () => {
    const before = await benchDatabases();
    const args = ["--quick", "--duration", "0.5", "--concurrency", "2", "--workloads", "hot,contended-limit", "--processes", "2x2", "--rounds", String(ROUNDS)];
    // Exit 1 (a failed tollgate check) still prints the JSON: assert on it first, it says why.
    const { stdout, stderr, code } = await runScript("scripts/bench/index.ts", args, { DATABASE_URL: withDatabase(inject("pgAdminUrl"), "postgres") });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[lines.length - 1].startsWith("{"), stderr).toBe(true);
    const result = JSON.parse(lines[lines.length - 1]);

    expect(result.ratios).toHaveProperty("hot_c64_vs_rlf");
    expect(result.ratios).toHaveProperty("spread_c64_vs_rlf");
    // hot and contended-limit: 3 peers × (c=2 + 2 processes × 2) each
    expect(result.workloads).toHaveLength(12);
    for (const row of result.workloads) {
      expect(["hot", "contended-limit"]).toContain(row.name);
      expect(["tollgate", "rate-limiter-flexible", "naive"]).toContain(row.peer);
      for (const field of NUMERIC) expect(typeof row[field], `${row.name} ${row.peer} ${field}`).toBe("number");
      expect(row.ops).toBeGreaterThan(0);
      expect(row.errors).toBe(0);
    }
    const tollgate = result.workloads.filter((r: any) => r.peer === "tollgate");
    // exact ledger, nothing over a limit, reconcile() clean (checkFailures say what broke)
    expect(tollgate.map((r: any) => [r.name, r.processes, r.overspendUsd, r.checkFailures ?? []])).toEqual([
      ["hot", 1, 0, []],
      ["hot", 2, 0, []],
      ["contended-limit", 1, 0, []],
      ["contended-limit", 2, 0, []],
    ]);
    expect(code).toBe(0);
    expect(tollgate.filter((r: any) => r.name === "hot").every((r: any) => typeof r.reserveP50Ms === "number")).toBe(true);
    const exact = { ops: 500 * ROUNDS, allowed: 100 * ROUNDS, denied: 400 * ROUNDS, falseDenials: 0, serialAllowed: 100, rounds: ROUNDS, exactRounds: ROUNDS, maxFinalUsd: 10 };
    const contended = tollgate.filter((r: any) => r.name === "contended-limit");
    expect(contended[0]).toMatchObject({ ...exact, concurrency: 2, processes: 1 });
    // 2 OS processes × 2 workers race each round's budget: still exactly the serial answer
    expect(contended[1]).toMatchObject({ ...exact, concurrency: 4, processes: 2 });
    expect(stdout).toContain(
      "| `contended-limit` 2 processes × 2: allowed per round | exactly limit ÷ price (the serial answer) every round, $0 over | 2/2 rounds at 100; $0.00 over; 0 false denials | ✔ |",
    );
    expect(result.workloads.find((r: any) => r.name === "hot" && r.processes === 2)).toMatchObject({ concurrency: 4 });
    // the table for people comes before the JSON
    expect(stdout).toContain("| workload | peer |");
    expect(stdout).toMatch(/reserve: \d+\n/); // the round trips of the hot path
    // the database it created on the DATABASE_URL server is gone
    expect(await benchDatabases()).toEqual(before);
  }, 240_000);
});
