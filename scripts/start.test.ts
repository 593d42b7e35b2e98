import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./lib/postgres.ts";

function start(env: Record<string, string>) {
  return spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
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
});
