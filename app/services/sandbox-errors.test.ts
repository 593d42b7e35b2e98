// Sandbox errors by stage, per day and recent, on a synthetic set with known counts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { getSandboxErrorReport, parseSandboxErrorQuery, SANDBOX_STAGES } from "./sandbox-errors.server.ts";

let t: TestDatabase;

// [tenant, stage, occurred_at]
const EVENTS: [string, string, string][] = [
  ["acme", "execution", "2026-11-01T00:00:00Z"],
  ["acme", "execution", "2026-11-01T23:59:59.999Z"],
  ["acme", "connection", "2026-11-02T10:00:00Z"],
  ["globex", "execution", "2026-11-02T11:00:00Z"],
  ["globex", "cleanup", "2026-11-03T12:00:00Z"],
  ["globex", "unknown", "2026-11-03T13:00:00Z"],
  ["acme", "initialization", "2026-10-31T23:59:59.999Z"], // before the range
  ["acme", "initialization", "2026-11-04T00:00:00Z"], // after the range
];

beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  const ids = Object.fromEntries(rows.map((r) => [r.slug, r.id]));
  for (const [i, [tenant, stage, at]] of EVENTS.entries()) {
    await t.pool.query(
      `INSERT INTO sandbox_error_events (tenant_id, operation, stage, error_type, occurred_at) VALUES ($1, $2, $3, $4, $5)`,
      [ids[tenant], `op-${i}`, stage, `${stage}_error`, at],
    );
  }
});

afterAll(async () => {
  await t?.drop();
});

const RANGE = { from: "2026-11-01", to: "2026-11-03" };

describe("getSandboxErrorReport", () => {
  it("counts every stage in lifecycle order, summing to the total of the range (both ends included, UTC)", async () => {
    const r = await getSandboxErrorReport(RANGE, t.pool);
    expect(r.byStage.map((s) => s.stage)).toEqual([...SANDBOX_STAGES]);
    expect(Object.fromEntries(r.byStage.map((s) => [s.stage, s.count]))).toEqual({
      initialization: 0, quota_validation: 0, resource_allocation: 0, connection: 1, execution: 3,
      result_retrieval: 0, cleanup: 1, monitoring: 0, unknown: 1,
    });
    expect(r.total).toBe(6);
    expect(r.byStage.reduce((s, x) => s + x.count, 0)).toBe(r.total);
    expect(r.daily).toEqual([
      { day: "2026-11-01", count: 2 },
      { day: "2026-11-02", count: 2 },
      { day: "2026-11-03", count: 2 },
    ]);
    expect(r.recent.map((e) => e.operation)).toEqual(["op-5", "op-4", "op-3", "op-2", "op-1", "op-0"]);
    expect(r.recent.reduce((s, e) => s + 1, 0)).toBe(r.total);
  });

  it("filters by tenant (everything) and by stage (trend and list; the stage chart stays whole)", async () => {
    const acme = await getSandboxErrorReport({ ...RANGE, tenant: "acme" }, t.pool);
    expect(acme.total).toBe(3);
    expect(acme.recent.map((e) => e.tenantSlug)).toEqual(["acme", "acme", "acme"]);
    const execution = await getSandboxErrorReport({ ...RANGE, stage: "execution" }, t.pool);
    expect(execution.total).toBe(6);
    expect(execution.daily.map((d) => d.count)).toEqual([2, 1, 0]);
    expect(execution.recent.map((e) => e.operation)).toEqual(["op-3", "op-1", "op-0"]);
    const both = await getSandboxErrorReport({ ...RANGE, stage: "execution", tenant: "globex" }, t.pool);
    expect(both.recent.map((e) => e.operation)).toEqual(["op-3"]);
    expect(both.byStage.reduce((s, x) => s + x.count, 0)).toBe(both.total);
    expect(both.total).toBe(3);
  });
});

describe("parseSandboxErrorQuery", () => {
  const now = new Date("2026-11-23T08:00:00Z");
  it("defaults to the last 30 days", () => {
    expect(parseSandboxErrorQuery(new URLSearchParams(), now)).toEqual({ query: { from: "2026-10-25", to: "2026-11-23" }, issues: [] });
  });
  it("reports a reversed range or an unknown stage and falls back instead of failing", () => {
    const reversed = parseSandboxErrorQuery(new URLSearchParams({ from: "2026-11-10", to: "2026-11-01" }), now);
    expect(reversed.query).toMatchObject({ from: "2026-10-25", to: "2026-11-23" });
    expect(reversed.issues).toEqual(["“To” must not be before “From”."]);
    const badStage = parseSandboxErrorQuery(new URLSearchParams({ stage: "launch", tenant: "acme", from: "2026-11-01" }), now);
    expect(badStage.query).toEqual({ from: "2026-11-01", to: "2026-11-23", tenant: "acme", stage: undefined });
    expect(badStage.issues).toEqual(["Unknown stage."]);
  });
});
