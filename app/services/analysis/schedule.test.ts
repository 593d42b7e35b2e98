// The in-server schedule: off at 0 hours, a first run shortly after start, a second instance's
// tick skipped (a run finished moments ago), failures logged and not thrown (the server keeps
// running).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPool } from "~/db/client.server.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { startAnalysisSchedule } from "./schedule.server.ts";
import { captureLogs } from "../logger.server.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await createQuota(t.pool, { scope: "tenant", tenantId: await createTenant(t.pool, "sched"), limit: "10" });
});
afterAll(async () => t?.drop());

const forecasts = async () => (await t.pool.query(`SELECT count(*)::int AS n FROM forecasts`)).rows[0].n;
const until = async (check: () => Promise<boolean> | boolean) => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
};

describe("startAnalysisSchedule", () => {
  it("does nothing at 0 hours", async () => {
    const stop = startAnalysisSchedule({ intervalHours: 0, firstRunDelayMs: 1, job: { pool: t.pool } });
    await new Promise((r) => setTimeout(r, 100));
    stop();
    expect(await forecasts()).toBe(0);
  });

  it("runs shortly after start", async () => {
    const logs = captureLogs();
    const stop = startAnalysisSchedule({ intervalHours: 6, firstRunDelayMs: 10, job: { pool: t.pool } });
    await until(async () => (await forecasts()) === 1 && logs.lines().length > 0);
    stop();
    logs.restore();
    expect(await forecasts()).toBe(1);
    const [line] = logs.lines();
    expect([line.level, line.component]).toEqual(["info", "analysis"]);
    expect(line.msg).toMatch(/^0 new findings, 1 forecasts \(0 breaches predicted\), 0 alerts, 0 old per-user usage rows pruned in \d+ ms$/);
    expect([line.prunedUserRows, line.keptUserRows]).toEqual([0, 0]);
  });

  it("another instance's schedule, started after that run, skips it and says so", async () => {
    const logs = captureLogs();
    const stop = startAnalysisSchedule({ intervalHours: 6, firstRunDelayMs: 10, job: { pool: t.pool } });
    await until(() => logs.lines().length > 0);
    stop();
    logs.restore();
    const [line] = logs.lines();
    expect([line.level, line.component, line.skipped]).toEqual(["info", "analysis", "recent"]);
    expect(line.msg).toMatch(/^skipped: another run finished \d+ s ago$/);
    expect(await t.pool.query(`SELECT count(*)::int AS n FROM settings WHERE key = 'analysis_last_run'`).then((r) => r.rows[0].n)).toBe(1);
  });

  it("logs a failed run instead of throwing", async () => {
    const logs = captureLogs();
    const unreachable = createPool("postgresql://nobody:nothing@127.0.0.1:1/none", 1);
    const stop = startAnalysisSchedule({ intervalHours: 6, firstRunDelayMs: 10, job: { pool: unreachable } });
    await until(() => logs.lines().length > 0);
    stop();
    logs.restore();
    const [line] = logs.lines();
    expect([line.level, line.component, line.msg]).toEqual(["error", "analysis", "analysis run failed"]);
    expect((line.err as { message: string }).message).toContain("ECONNREFUSED");
    await unreachable.end();
  });
});
