import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../app/db/test/test-database.ts";
import { freePort, ROOT } from "./lib/postgres.ts";

/** As `npm start` runs it: node with tsx's loader (package.json). */
const START = ["--import", "tsx", "scripts/start.ts"];

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, START, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("npm start configuration", () => {
  it("refuses PORT=abc with a message naming PORT, before touching any database", () => {
    const r = start({ PORT: "abc", DATA_DIR: "/nonexistent/should-not-be-created" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PORT: must be a whole number");
    expect(r.stdout).not.toContain("starting embedded PostgreSQL");
  });

  it("names every bad variable at once", () => {
    const r = start({ QUOTA_FAIL_MODE: "maybe", ENFORCE_COST_QUOTAS: "sometimes", DATABASE_URL: "mysql://x" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("QUOTA_FAIL_MODE: must be closed or open");
    expect(r.stderr).toContain("ENFORCE_COST_QUOTAS: must be true or false");
    expect(r.stderr).toContain("DATABASE_URL: must be a postgresql:// URL");
  });

  it("in production with DATABASE_URL but no SECRETS_KEY: stops naming SECRETS_KEY, before touching any database", () => {
    const r = start({ NODE_ENV: "production", DATABASE_URL: "postgresql://u:p@127.0.0.1:1/x", DATA_DIR: "/nonexistent/should-not-be-created" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("SECRETS_KEY: is required in production when DATABASE_URL is set");
    expect(r.stdout).toBe("");
  });
});

describe("npm start with DATABASE_URL", () => {
  it("uses that server (no embedded PostgreSQL, no demo data by default), serves the sign-in page and stops cleanly on SIGTERM", async () => {
    const t = await createTestDatabase();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "tollgate-start-"));
    const port = await freePort();
    const child = spawn(process.execPath, START, {
      cwd: ROOT,
      // SEED_DEMO unset: with DATABASE_URL the default is not to seed (known passwords, a public key).
      env: { ...process.env, DATABASE_URL: t.url, PORT: String(port), DATA_DIR: dataDir, SEED_DEMO: "", WEB_CONCURRENCY: "1" } as NodeJS.ProcessEnv,
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      for (let i = 0; i < 600 && !out.includes("Press Ctrl-C"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`http://127.0.0.1:${port}`);
      expect(out).not.toContain("starting embedded PostgreSQL");
      expect(out).not.toContain("Demo logins");
      const res = await fetch(`http://127.0.0.1:${port}/login`);
      expect(res.status).toBe(200);
      expect(existsSync(path.join(dataDir, "postgres"))).toBe(false);
      expect((await t.pool.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).toBe(0);
      expect((await t.pool.query(`SELECT count(*)::int AS n FROM api_keys`)).rows[0].n).toBe(0);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(out).toContain("stopped");
    await t.drop();
  });
});

describe("npm start with WEB_CONCURRENCY", () => {
  it("serves from that many processes on one port, runs the background work in one, and replaces a process that dies", { timeout: 240_000 }, async () => {
    const t = await createTestDatabase();
    const port = await freePort();
    const child = spawn(process.execPath, START, {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.url, PORT: String(port), SEED_DEMO: "false", WEB_CONCURRENCY: "3" } as NodeJS.ProcessEnv,
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const serving = () => [...out.matchAll(/server process (\d)\/3 \(pid (\d+)\) serving(; runs the background work)?/g)];
    const waitFor = async (what: () => boolean) => {
      for (let i = 0; i < 1800 && !what(); i++) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      // Each process prints its line once it listens; the primary's "ready" may come first.
      await waitFor(() => out.includes("Press Ctrl-C") && serving().length === 3);
      expect(out).toContain("(3 server processes)");
      expect(serving().map((m) => m[1]).sort()).toEqual(["1", "2", "3"]);
      // Exactly one process runs the sweeper, alert worker and analysis.
      expect(serving().filter((m) => m[3]).map((m) => m[1])).toEqual(["1"]);
      for (let i = 0; i < 20; i++) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      // Kill the process that runs the background work: it comes back, with the same duty.
      const first = serving().find((m) => m[1] === "1")!;
      process.kill(Number(first[2]), "SIGKILL");
      await waitFor(() => serving().length === 4);
      expect(out).toMatch(new RegExp(`server process 1 \\(pid ${first[2]}\\) exited with SIGKILL; starting a new one`));
      const again = serving().filter((m) => m[1] === "1");
      expect(again).toHaveLength(2);
      expect([again[1][2] !== first[2], again[1][3]]).toEqual([true, "; runs the background work"]);
      expect((await fetch(`http://127.0.0.1:${port}/login`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited, out).toBe(0);
    expect(out).toContain("stopped");
    // No server process outlives the primary.
    for (const m of serving()) expect(() => process.kill(Number(m[2]), 0), `pid ${m[2]}`).toThrow();
    await t.drop();
  });
});
