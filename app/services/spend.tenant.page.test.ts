// The tenant page's figures from spend_rollups with a fixed clock: day and ISO-week series,
// the model/user/touchpoint breakdowns (top 10 + the rest folded), all summing exactly to the
// range total; another tenant's rollups never count.
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { parseSpendRange } from "~/schemas/records.ts";
import { getTenantSpend, type SpendSlice } from "./spend.tenant.page.server.ts";

const NOW = new Date("2026-03-18T10:00:00Z"); // a Wednesday
let t: TestDatabase;
const ids: Record<string, string> = {};

interface Rollup {
  day: string;
  tenant: string;
  user: string;
  resource: "llm" | "sandbox";
  provider: string;
  model: string;
  touchpoint: string;
  cost: string;
  records: number;
}
const rollups: Rollup[] = [];

beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  for (const r of rows) ids[r.slug] = r.id;
  // acme: 2026-02-25 … 2026-03-18, 12 users, 3 LLM models + sandbox, 4 touchpoints; globex the same days.
  const models = [["openai", "gpt-5"], ["anthropic", "claude-sonnet-4-5"], ["google", "gemini-2.5-pro"]];
  const touchpoints = ["main-chat", "merge-summarizer", "compaction:semantic", ""];
  for (let d = 0; d < 22; d++) {
    const day = new Date(Date.UTC(2026, 1, 25 + d)).toISOString().slice(0, 10);
    for (let u = 0; u < 12; u++) {
      const i = d * 12 + u;
      const sandbox = i % 5 === 0;
      const [provider, model] = sandbox ? ["", ""] : models[i % 3];
      rollups.push({
        day, tenant: "acme", user: u === 11 ? "" : `u-${u}`, resource: sandbox ? "sandbox" : "llm", provider, model,
        touchpoint: sandbox ? "code-run" : touchpoints[i % 4],
        cost: new Decimal(i).mul("0.0123456789").add(u * 2).toFixed(10), records: 1 + (i % 3),
      });
    }
    rollups.push({ day, tenant: "globex", user: "g-1", resource: "llm", provider: "openai", model: "gpt-5", touchpoint: "main-chat", cost: "1000", records: 5 });
  }
  for (const r of rollups) {
    await t.pool.query(
      `INSERT INTO spend_rollups (day, tenant_id, user_id, resource, provider, model, touchpoint, cost_usd, records)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [r.day, ids[r.tenant], r.user, r.resource, r.provider, r.model, r.touchpoint, r.cost, r.records],
    );
  }
});

afterAll(async () => {
  await t?.drop();
});

const sum = (rs: Rollup[]) => rs.reduce((s, r) => s.add(r.cost), new Decimal(0)).toFixed(10);
const acmeIn = (from: string, to: string) => rollups.filter((r) => r.tenant === "acme" && r.day >= from && r.day <= to);
const sliceTotal = (slices: SpendSlice[]) => slices.reduce((s, x) => s.add(x.costUsd), new Decimal(0)).toFixed(10);

describe("getTenantSpend", () => {
  it("by day: every day of the range, exact per resource, and the breakdowns add up to the total", async () => {
    const range = { from: "2026-03-02", to: "2026-03-15", grain: "day" as const };
    const s = await getTenantSpend(ids.acme, range, NOW);
    const inRange = acmeIn(range.from, range.to);
    expect(s.totalUsd).toBe(sum(inRange));
    expect(s.llmUsd).toBe(sum(inRange.filter((r) => r.resource === "llm")));
    expect(s.sandboxUsd).toBe(sum(inRange.filter((r) => r.resource === "sandbox")));
    expect(s.records).toBe(inRange.reduce((n, r) => n + r.records, 0));
    expect(s.series.map((b) => b.start)).toEqual(
      Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2026, 2, 2 + i)).toISOString().slice(0, 10)),
    );
    const mar5 = acmeIn("2026-03-05", "2026-03-05");
    expect(s.series[3]).toEqual({
      start: "2026-03-05",
      llmUsd: sum(mar5.filter((r) => r.resource === "llm")),
      sandboxUsd: sum(mar5.filter((r) => r.resource === "sandbox")),
    });
    const seriesTotal = s.series.reduce((x, b) => x.add(b.llmUsd).add(b.sandboxUsd), new Decimal(0)).toFixed(10);
    expect(seriesTotal).toBe(s.totalUsd);
    for (const breakdown of [s.byModel, s.byUser, s.byTouchpoint]) expect(sliceTotal(breakdown)).toBe(s.totalUsd);
  });

  it("ranks the breakdowns and folds all but the top 10 into one slice", async () => {
    const range = { from: "2026-03-02", to: "2026-03-15", grain: "day" as const };
    const s = await getTenantSpend(ids.acme, range, NOW);
    const inRange = acmeIn(range.from, range.to);
    // 12 user ids (one is '', shown as "no user id"): the two smallest are folded.
    expect(s.byUser).toHaveLength(11);
    // The records without a user id (cost 22+ a day) rank first.
    expect(s.byUser.slice(0, 3).map((x) => x.label)).toEqual(["(no user id)", "u-10", "u-9"]);
    expect(s.byUser[10]).toEqual({
      key: null,
      label: "2 other users",
      resource: null,
      costUsd: sum(inRange.filter((r) => r.user === "u-0" || r.user === "u-1")),
      records: inRange.filter((r) => r.user === "u-0" || r.user === "u-1").reduce((n, r) => n + r.records, 0),
      folded: 2,
    });
    expect(s.byUser.find((x) => x.label === "(no user id)")?.costUsd).toBe(sum(inRange.filter((r) => r.user === "")));
    expect(s.byModel.map((x) => x.label).sort()).toEqual(
      ["Sandbox", "anthropic/claude-sonnet-4-5", "google/gemini-2.5-pro", "openai/gpt-5"],
    );
    const sandbox = s.byModel.find((x) => x.resource === "sandbox")!;
    expect(sandbox).toMatchObject({ key: null, costUsd: s.sandboxUsd });
    expect(s.byModel.find((x) => x.key === "openai/gpt-5")?.costUsd).toBe(sum(inRange.filter((r) => r.model === "gpt-5")));
    expect(s.byTouchpoint.map((x) => x.label)).toContain("(no touchpoint)");
    for (const list of [s.byModel, s.byUser, s.byTouchpoint]) {
      const amounts = list.filter((x) => !x.folded).map((x) => new Decimal(x.costUsd));
      expect(amounts.every((a, i) => i === 0 || amounts[i - 1].gte(a))).toBe(true);
    }
  });

  it("by ISO week: buckets start on Monday and count only days inside the range", async () => {
    const range = { from: "2026-03-04", to: "2026-03-17", grain: "week" as const };
    const s = await getTenantSpend(ids.acme, range, NOW);
    expect(s.series.map((b) => b.start)).toEqual(["2026-03-02", "2026-03-09", "2026-03-16"]);
    const first = acmeIn("2026-03-04", "2026-03-08");
    expect(s.series[0].llmUsd).toBe(sum(first.filter((r) => r.resource === "llm")));
    expect(s.series[0].sandboxUsd).toBe(sum(first.filter((r) => r.resource === "sandbox")));
    const last = acmeIn("2026-03-16", "2026-03-17");
    expect(new Decimal(s.series[2].llmUsd).add(s.series[2].sandboxUsd).toFixed(10)).toBe(sum(last));
    expect(s.totalUsd).toBe(sum(acmeIn(range.from, range.to)));
  });

  it("today and this month come from the clock, not the range", async () => {
    const s = await getTenantSpend(ids.acme, { from: "2026-02-25", to: "2026-02-26", grain: "day" }, NOW);
    expect(s.asOf).toBe("2026-03-18");
    expect(s.todayUsd).toBe(sum(acmeIn("2026-03-18", "2026-03-18")));
    expect(s.monthUsd).toBe(sum(acmeIn("2026-03-01", "2026-03-31")));
  });

  it("a range without spend: zeros everywhere, no slices; another tenant's spend never counts", async () => {
    const s = await getTenantSpend(ids.acme, { from: "2025-01-01", to: "2025-01-03", grain: "day" }, NOW);
    expect(s).toMatchObject({ totalUsd: "0", llmUsd: "0", sandboxUsd: "0", records: 0, byModel: [], byUser: [], byTouchpoint: [] });
    expect(s.series).toEqual([
      { start: "2025-01-01", llmUsd: "0", sandboxUsd: "0" },
      { start: "2025-01-02", llmUsd: "0", sandboxUsd: "0" },
      { start: "2025-01-03", llmUsd: "0", sandboxUsd: "0" },
    ]);
    const g = await getTenantSpend(ids.globex, { from: "2026-03-01", to: "2026-03-10", grain: "week" }, NOW);
    expect(g.totalUsd).toBe("10000.0000000000");
    expect(g.byUser).toEqual([{ key: "g-1", label: "g-1", resource: null, costUsd: "10000.0000000000", records: 50 }]);
  });
});

describe("parseSpendRange", () => {
  const parse = (q: string) => parseSpendRange(new URLSearchParams(q), NOW);
  it("defaults to the last 30 days by day, and fills a missing bound", () => {
    expect(parse("")).toEqual({ range: { from: "2026-02-17", to: "2026-03-18", grain: "day" }, issues: [] });
    expect(parse("grain=week&from=2026-03-01")).toEqual({ range: { from: "2026-03-01", to: "2026-03-18", grain: "week" }, issues: [] });
    expect(parse("to=2026-01-31")).toEqual({ range: { from: "2026-01-02", to: "2026-01-31", grain: "day" }, issues: [] });
  });
  it("falls back to the default range with a message for bad input", () => {
    expect(parse("from=2026-03-10&to=2026-03-01")).toEqual({
      range: { from: "2026-02-17", to: "2026-03-18", grain: "day" },
      issues: [{ field: "to", message: "To must be on or after From." }],
    });
    expect(parse("from=yesterday&grain=month").issues).toEqual([
      { field: "from", message: "From must be a date like 2026-03-31." },
      { field: "grain", message: "Group by must be Day or Week." },
    ]);
    expect(parse("from=2020-01-01&to=2026-01-01").issues).toEqual([{ field: "from", message: "Choose at most 731 days." }]);
  });
});
