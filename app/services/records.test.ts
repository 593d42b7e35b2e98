// The explorer against a real database: keyset pages forward and back in every sort order
// (ties on time and on cost included) are disjoint, ordered and gap-free; filters combine;
// tenant scope sees one tenant only; the CSV export has exactly the filtered rows and total.
import Decimal from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "./csv.ts";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { RECORD_SORTS, decodeCursor, encodeCursor, parseRecordsQuery, type RecordFilters, type RecordSort } from "~/schemas/records.ts";
import { costRecordsCsv } from "./records-export.server.ts";
import { listCostRecords, sliceSql, type RecordScope } from "./records.server.ts";

let t: TestDatabase;
const tenantIds: Record<string, string> = {};

// 3 tenants × 140 records. Timestamps repeat (every 3 records share one) and costs repeat (7
// distinct values), so the id tie-breaker is exercised in both sort keys.
const PER_TENANT = 140;
beforeAll(async () => {
  t = await createAppTestDatabase();
  const { rows } = await t.pool.query(
    `INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex'), ('initech', 'Initech') RETURNING id, slug`,
  );
  for (const r of rows) tenantIds[r.slug] = r.id;
  await t.pool.query(
    `INSERT INTO cost_records (tenant_id, user_id, conversation_id, task_id, touchpoint, resource, provider, model,
                               input_tokens, output_tokens, tier, billed_duration_ms, cost_usd, reservation_id,
                               late, backfill, occurred_at)
     SELECT tn.id,
            'u-' || (g % 4),
            'conv-' || (g / 10),
            CASE WHEN g % 5 = 0 THEN 'task-' || (g / 20) END,
            CASE WHEN g % 6 = 5 THEN 'code-run' ELSE (ARRAY['main-chat', 'merge-summarizer'])[1 + g % 2] END,
            CASE WHEN g % 6 = 5 THEN 'sandbox' ELSE 'llm' END::"ResourceType",
            CASE WHEN g % 6 = 5 THEN NULL ELSE 'openai' END,
            CASE WHEN g % 6 = 5 THEN NULL ELSE (ARRAY['gpt-5', 'gpt-5-mini', 'gpt-4.1'])[1 + g % 3] END,
            CASE WHEN g % 6 = 5 THEN NULL ELSE 100 * g END,
            CASE WHEN g % 6 = 5 THEN NULL ELSE 10 * g END,
            CASE WHEN g % 6 = 5 THEN 'standard' END,
            CASE WHEN g % 6 = 5 THEN 1000 * g END,
            (ARRAY[0.0000000001, 0.5, 1.25, 0.0015425, 3, 0.5, 12.3456789012])[1 + g % 7]::numeric + tn.n,
            NULL, g % 17 = 0, g % 23 = 0,
            timestamptz '2026-03-01T00:00:00Z' + ((g / 3) * interval '1 hour 7 minutes 0.123 seconds')
       FROM generate_series(1, ${PER_TENANT}) g
      CROSS JOIN (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS n FROM tenants) tn`,
  );
});

afterAll(async () => {
  await t?.drop();
});

const ALL: RecordScope = { kind: "all" };

/** The ids the database itself returns for filters + sort (the reference answer). */
async function expectedIds(sort: RecordSort, where = "true", params: unknown[] = []): Promise<string[]> {
  const [col, dir] = { time_desc: ["occurred_at", "DESC"], time_asc: ["occurred_at", "ASC"], cost_desc: ["cost_usd", "DESC"], cost_asc: ["cost_usd", "ASC"] }[sort];
  // Not `SELECT id::text`: ORDER BY id would then sort the text alias ("99" after "420").
  const { rows } = await t.pool.query(`SELECT id::text AS rid FROM cost_records WHERE ${where} ORDER BY ${col} ${dir}, id ${dir}`, params);
  return rows.map((r) => r.rid);
}

/** Follows Next links from the first page; returns every page's ids. */
async function pagesForward(scope: RecordScope, filters: RecordFilters, sort: RecordSort, size: number) {
  const pages: string[][] = [];
  let after: string | null = null;
  let lastAfter: string | null = null;
  do {
    const page = await listCostRecords(scope, { filters, sort, after: after ? decodeCursor(after)! : undefined }, size);
    if (pages.length === 0) expect(page.previous).toBeNull();
    pages.push(page.rows.map((r) => r.id));
    lastAfter = after;
    after = page.next;
  } while (after);
  return { pages, lastAfter };
}

describe("keyset pagination", () => {
  for (const sort of RECORD_SORTS) {
    it(`${sort}: Next walks every row once, in order; Previous walks back through the same pages`, async () => {
      const expected = await expectedIds(sort);
      expect(expected).toHaveLength(3 * PER_TENANT);
      const size = 50;
      const { pages: forward, lastAfter } = await pagesForward(ALL, {}, sort, size);
      expect(forward.map((p) => p.length)).toEqual([50, 50, 50, 50, 50, 50, 50, 50, 20]);
      expect(forward.flat()).toEqual(expected); // ordered, no gaps, no repeats
      expect(new Set(forward.flat()).size).toBe(expected.length);

      // From the last page, Previous repeatedly: the same pages in reverse, ending on the first.
      let page = await listCostRecords(ALL, { filters: {}, sort, after: decodeCursor(lastAfter!)! }, size);
      expect(page.rows.map((r) => r.id)).toEqual(forward[forward.length - 1]);
      const backward: string[][] = [page.rows.map((r) => r.id)];
      while (page.previous) {
        page = await listCostRecords(ALL, { filters: {}, sort, before: decodeCursor(page.previous)! }, size);
        backward.unshift(page.rows.map((r) => r.id));
      }
      expect(backward).toEqual(forward);
      expect(page.next).not.toBeNull();
    });
  }

  it("a Previous link near the start shows the full first page, without a Previous link", async () => {
    const expected = await expectedIds("time_desc");
    const cursorRow = await listCostRecords(ALL, { filters: {}, sort: "time_desc" }, 10);
    // before the 10th row: only 9 rows exist before it, so the first page (of 10) is shown.
    const page = await listCostRecords(ALL, { filters: {}, sort: "time_desc", before: decodeCursor(cursorRow.next!)! }, 10);
    expect(page.rows.map((r) => r.id)).toEqual(expected.slice(0, 10));
    expect(page.previous).toBeNull();
  });

  it("a Next link past the end shows the last page, whose Previous leads on backwards", async () => {
    const expected = await expectedIds("cost_asc");
    const last = await t.pool.query(`SELECT id::text, cost_usd::text FROM cost_records WHERE id = $1`, [expected.at(-1)]);
    const after = { key: "cost" as const, value: last.rows[0].cost_usd, id: last.rows[0].id };
    const page = await listCostRecords(ALL, { filters: {}, sort: "cost_asc", after }, 50);
    expect(page.rows.map((r) => r.id)).toEqual(expected.slice(-50));
    expect(page.next).toBeNull();
    const back = await listCostRecords(ALL, { filters: {}, sort: "cost_asc", before: decodeCursor(page.previous!)! }, 50);
    expect(back.rows.map((r) => r.id)).toEqual(expected.slice(-100, -50));
  });

  it("returns rows with exact money and every attribute", async () => {
    const page = await listCostRecords(ALL, { filters: { tenant: "globex", task: "task-1" }, sort: "time_asc" }, 50);
    expect(page.rows.map((r) => r.id)).toEqual(
      await expectedIds("time_asc", "tenant_id = $1 AND task_id = 'task-1'", [tenantIds.globex]),
    );
    const r = page.rows[0];
    // g = 20: cost (ARRAY[...])[1 + 20 % 7 = 7] + tenant index 1 (acme 0, globex 1, initech 2).
    expect(r).toMatchObject({
      tenantSlug: "globex",
      tenantName: "Globex",
      userId: "u-0",
      conversationId: "conv-2",
      taskId: "task-1",
      touchpoint: "main-chat",
      resource: "llm",
      provider: "openai",
      model: "gpt-4.1",
      inputTokens: 2000,
      outputTokens: 200,
      tier: null,
      costUsd: "13.3456789012",
      estimatedCostUsd: null,
      reservationId: null,
      late: false,
      backfill: false,
      occurredAt: "2026-03-01T06:42:00.738Z",
    });
  });
});

describe("filters", () => {
  const cases: { name: string; filters: RecordFilters; where: string; params: (ids: typeof tenantIds) => unknown[] }[] = [
    { name: "tenant", filters: { tenant: "acme" }, where: "tenant_id = $1", params: (i) => [i.acme] },
    {
      name: "tenant + model",
      filters: { tenant: "globex", model: "gpt-5" },
      where: "tenant_id = $1 AND model = 'gpt-5'",
      params: (i) => [i.globex],
    },
    {
      name: "tenant + user + resource + touchpoint",
      filters: { tenant: "initech", user: "u-1", resource: "llm", touchpoint: "merge-summarizer" },
      where: "tenant_id = $1 AND user_id = 'u-1' AND resource = 'llm' AND touchpoint = 'merge-summarizer'",
      params: (i) => [i.initech],
    },
    {
      name: "model + date range (whole UTC days, inclusive)",
      filters: { model: "gpt-5-mini", from: "2026-03-02", to: "2026-03-03" },
      where: "model = 'gpt-5-mini' AND occurred_at >= '2026-03-02T00:00:00Z' AND occurred_at < '2026-03-04T00:00:00Z'",
      params: () => [],
    },
    { name: "conversation", filters: { conversation: "conv-7" }, where: "conversation_id = 'conv-7'", params: () => [] },
    {
      name: "sandbox in one tenant, one day",
      filters: { tenant: "acme", resource: "sandbox", from: "2026-03-03", to: "2026-03-03" },
      where: "tenant_id = $1 AND resource = 'sandbox' AND occurred_at >= '2026-03-03' AND occurred_at < '2026-03-04'",
      params: (i) => [i.acme],
    },
  ];
  for (const c of cases) {
    it(`${c.name}: pages hold exactly the matching rows`, async () => {
      for (const sort of ["time_desc", "cost_asc"] as const) {
        const expected = await expectedIds(sort, c.where, c.params(tenantIds));
        expect(expected.length).toBeGreaterThan(0);
        const { pages } = await pagesForward(ALL, c.filters, sort, 7);
        expect(pages.flat()).toEqual(expected);
      }
    });
  }

  it("an unknown tenant or a filter nothing matches gives an empty first page", async () => {
    for (const filters of [{ tenant: "nobody" }, { tenant: "acme", model: "gpt-5", resource: "sandbox" as const }]) {
      const page = await listCostRecords(ALL, { filters, sort: "time_desc" });
      expect(page).toEqual({ rows: [], next: null, previous: null, tooSlow: false });
    }
  });

  it("a tenant's explorer sees only that tenant, whatever the filters say", async () => {
    const scope: RecordScope = { kind: "tenant", tenantId: tenantIds.globex };
    const { pages } = await pagesForward(scope, {}, "cost_desc", 50);
    expect(pages.flat()).toEqual(await expectedIds("cost_desc", "tenant_id = $1", [tenantIds.globex]));
    // The route drops `tenant` for this scope; even if it got through, it cannot widen the scope.
    const page = await listCostRecords(scope, { filters: { tenant: "acme" }, sort: "time_desc" });
    expect(page.rows.every((r) => r.tenantSlug === "globex")).toBe(true);
  });
});

/** Reads a CSV stream to text. */
async function readAll(stream: ReadableStream<Uint8Array>) {
  return new Response(stream).text();
}

describe("CSV export", () => {
  it("streams every matching row once, in order, with the exact total (batches smaller than the result)", async () => {
    const filters: RecordFilters = { tenant: "acme", resource: "llm" };
    const expected = await expectedIds("cost_desc", "tenant_id = $1 AND resource = 'llm'", [tenantIds.acme]);
    const { rows: sums } = await t.pool.query(
      `SELECT count(*)::int AS n, sum(cost_usd)::text AS total FROM cost_records WHERE tenant_id = $1 AND resource = 'llm'`,
      [tenantIds.acme],
    );
    const csv = parseCsv(await readAll(costRecordsCsv(ALL, filters, "cost_desc", 9)));
    const [header, ...rows] = csv;
    expect(header).toEqual([
      "id", "occurred_at", "tenant", "tenant_name", "user_id", "conversation_id", "task_id", "touchpoint", "resource",
      "provider", "model", "tier", "input_tokens", "output_tokens", "cached_input_tokens", "billed_duration_ms",
      "active_duration_ms", "cost_usd", "estimated_cost_usd", "reservation_id", "late", "backfill",
    ]);
    expect(rows).toHaveLength(sums[0].n);
    expect(rows.map((r) => r[0])).toEqual(expected);
    const total = rows.reduce((s, r) => s.add(r[17]), new Decimal(0));
    expect(total.toFixed(10)).toBe(sums[0].total);
    expect(rows.every((r) => r.length === header.length && r[2] === "acme" && r[8] === "llm")).toBe(true);
    // Money is the exact stored decimal, never a float rendering.
    expect(rows.some((r) => r[17] === "0.0000000001")).toBe(true);
  });

  it("an empty result is just the header; a tenant's export stays inside the tenant", async () => {
    expect(await readAll(costRecordsCsv(ALL, { tenant: "nobody" }, "time_desc"))).toBe(
      "id,occurred_at,tenant,tenant_name,user_id,conversation_id,task_id,touchpoint,resource,provider,model,tier,input_tokens,output_tokens,cached_input_tokens,billed_duration_ms,active_duration_ms,cost_usd,estimated_cost_usd,reservation_id,late,backfill\r\n",
    );
    const rows = parseCsv(await readAll(costRecordsCsv({ kind: "tenant", tenantId: tenantIds.initech }, {}, "time_asc", 50))).slice(1);
    expect(rows).toHaveLength(PER_TENANT);
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(["initech"]));
  });

  it("quotes commas, quotes and newlines, and defuses spreadsheet formulas in product-supplied text", async () => {
    await t.pool.query(
      `INSERT INTO cost_records (tenant_id, user_id, conversation_id, touchpoint, resource, cost_usd, occurred_at)
       VALUES ($1, '=HYPERLINK("http://x")', 'a,b', E'line\nbreak', 'llm', 0.25, '2027-01-01T00:00:00Z')`,
      [tenantIds.acme],
    );
    const text = await readAll(costRecordsCsv(ALL, { tenant: "acme", from: "2027-01-01" }, "time_desc"));
    const [, row] = parseCsv(text);
    expect(row[4]).toBe(`'=HYPERLINK("http://x")`);
    expect(row[5]).toBe("a,b");
    expect(row[7]).toBe("line\nbreak");
    expect(row[17]).toBe("0.2500000000");
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    await t.pool.query(`DELETE FROM cost_records WHERE occurred_at >= '2027-01-01'`);
  });
});

describe("query plans", () => {
  // A test table is too small for the planner to prefer an index, so sequential scans, bitmap
  // scans and sorts are discouraged: the plan then shows whether an index can serve the filter
  // AND the order. Without a matching index it still has to sort, and the test fails. (On 6 M
  // rows the planner picks these same plans by itself; see the explorer notes in the report.)
  async function plan(scope: RecordScope, filters: RecordFilters, sort: RecordSort, withCursor: boolean, reverse = false, sorts = false) {
    const cursor = withCursor
      ? sort.startsWith("time")
        ? { key: "time" as const, value: "2026-03-01T12:00:00.000Z", id: "100" }
        : { key: "cost" as const, value: "1.25", id: "100" }
      : undefined;
    const { text, values } = sliceSql(scope, filters, sort, cursor, reverse, 51, "ids");
    const c = await t.pool.connect();
    try {
      await c.query(`BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = ${sorts}`);
      const { rows } = await c.query(`EXPLAIN (COSTS OFF) ${text}`, values);
      await c.query("ROLLBACK");
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      c.release();
    }
  }
  beforeAll(() => t.pool.query("ANALYZE cost_records"));
  const tenant = (): RecordScope => ({ kind: "tenant", tenantId: tenantIds.acme });
  const cases: [string, () => RecordScope, RecordFilters, RecordSort, boolean, string][] = [
    ["all tenants, newest first, deep page", () => ALL, {}, "time_desc", true, "cost_records_occurred_at_id_idx"],
    ["all tenants, most expensive first, deep page", () => ALL, {}, "cost_desc", true, "cost_records_cost_usd_id_idx"],
    ["one tenant (by slug) + model + month", () => ALL, { tenant: "acme", model: "gpt-5", from: "2026-03-01", to: "2026-03-31" }, "time_desc", false, "_occurred_at_id_idx"],
    ["tenant explorer, oldest first, deep page", tenant, {}, "time_asc", true, "_occurred_at_id_idx"],
    ["tenant explorer, cheapest first, deep page", tenant, { user: "u-1" }, "cost_asc", true, "cost_records_tenant_id_cost_usd_id_idx"],
  ];
  for (const [name, scope, filters, sort, withCursor, index] of cases) {
    it(`${name}: walks ${index} without sorting`, async () => {
      for (const reverse of [false, true]) {
        const p = await plan(scope(), filters, sort, withCursor, reverse);
        expect(p).toContain(index);
        expect(p).not.toMatch(/Sort/);
      }
    });
  }
  it("conversation and task lookups use their own indexes (then sort the few rows found)", async () => {
    await t.pool.query(
      `INSERT INTO cost_records (tenant_id, conversation_id, task_id, resource, cost_usd, occurred_at)
       VALUES ($1, 'conv-lookup', 'task-lookup', 'llm', 1, '2026-02-01T00:00:00Z')`,
      [tenantIds.initech],
    );
    await t.pool.query("ANALYZE cost_records");
    expect(await plan(ALL, { conversation: "conv-lookup" }, "time_desc", false, false, true)).toContain("cost_records_conversation_id_idx");
    expect(await plan(ALL, { task: "task-lookup" }, "cost_desc", false, false, true)).toContain("cost_records_task_id_idx");
    await t.pool.query(`DELETE FROM cost_records WHERE conversation_id = 'conv-lookup'`);
  });
});

describe("explorer URLs", () => {
  it("round-trip a cursor and reject tampered or mismatched ones with a clear message", () => {
    const c = { key: "cost" as const, value: "12.3456789012", id: "42" };
    const ok = parseRecordsQuery(new URLSearchParams({ sort: "cost_asc", after: encodeCursor(c) }));
    expect(ok).toEqual({ ok: true, query: { filters: {}, sort: "cost_asc", after: c, before: undefined } });
    const bads: Record<string, string>[] = [
      { sort: "time_desc", after: encodeCursor(c) },
      { sort: "cost_asc", after: "not-a-cursor" },
      { sort: "cost_asc", before: encodeCursor({ ...c, value: "1; DROP TABLE x" }) },
      { sort: "cost_asc", after: encodeCursor(c), before: encodeCursor(c) },
    ];
    for (const bad of bads) {
      const r = parseRecordsQuery(new URLSearchParams(bad));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues[0].message).toMatch(/page link is damaged or out of date/);
    }
  });

  it("names each bad parameter", () => {
    const r = parseRecordsQuery(new URLSearchParams({ from: "2026-02-30", to: "2026-01-01", resource: "gpu", sort: "size", tenant: "Acme!" }));
    expect(r).toEqual({
      ok: false,
      issues: [
        { field: "tenant", message: "Tenant must be a tenant's URL name, e.g. acme." },
        { field: "resource", message: "Resource must be LLM or Sandbox." },
        { field: "from", message: "From must be a date like 2026-03-31." },
        { field: "sort", message: "Sort must be one of the listed orders." },
      ],
    });
    expect(parseRecordsQuery(new URLSearchParams({ from: "2026-02-01", to: "2026-01-01" }))).toEqual({
      ok: false,
      issues: [{ field: "to", message: "To must be on or after From." }],
    });
  });
});
