// The anomalies page's keyset pages against a real database: newest day first, a day's hourly
// findings (latest hour first) before its daily one, higher score first, the id breaking exact
// ties; Older/Newer walk the same rows; filters and the total hold on every page. And the
// overview's summary of the open findings per tenant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import type { AnomalyFilters } from "~/schemas/anomalies.ts";
import { decodePageCursor } from "~/schemas/page-cursor.ts";
import { findingCursor, listFindings, openAnomaliesByTenant, type FindingCursor } from "./anomalies.page.server.ts";

let t: TestDatabase;
const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

// [finding, tenant, resource, day, hour (-1: whole day), score, status, severity]
const FINDINGS = [
  [1, "acme", "llm", "2026-11-10", -1, 3.5, "open", "high"],
  [2, "globex", "llm", "2026-11-10", -1, 5.25, "open", "high"],
  [3, "acme", "sandbox", "2026-11-10", 14, 2, "open", "low"],
  [4, "acme", "llm", "2026-11-11", -1, 4.1, "dismissed", "high"],
  [5, "globex", "sandbox", "2026-11-11", -1, 4.1, "open", "high"], // ties 4 on day, hour and score: the id decides
  [6, "acme", "llm", "2026-11-12", 9, 6, "acknowledged", "high"],
  [7, "acme", "llm", "2026-11-12", 23, 2.5, "open", "low"],
] as const;

beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  const tenant = Object.fromEntries(rows.map((r) => [r.slug, r.id]));
  for (const [n, slug, resource, day, hour, score, status, severity] of FINDINGS) {
    await t.pool.query(
      `INSERT INTO anomaly_findings (id, tenant_id, resource, day, hour, actual_usd, expected_usd, score, severity, status)
       VALUES ($1, $2, $3, $4, $5, 12.5, 4, $6, $8, $7)`,
      [id(n), tenant[slug], resource, day, hour, score, status, severity],
    );
  }
});

afterAll(async () => {
  await t?.drop();
});

const ALL: AnomalyFilters = { status: "all" };
const list = (f: AnomalyFilters, request: { after?: FindingCursor; before?: FindingCursor }, size: number) => listFindings(f, request, size, t.pool);
const cursor = (raw: string | null) => decodePageCursor(raw!, findingCursor)!;
const numbers = (page: { rows: { id: string }[] }) => page.rows.map((r) => Number(r.id.slice(-1)));

describe("anomaly finding pages", () => {
  it("walks every finding once, newest first, and back again to the first page", async () => {
    const first = await list(ALL, {}, 3);
    expect(numbers(first)).toEqual([7, 6, 5]);
    expect(first.total).toBe(7);
    expect(first.previous).toBeNull();
    // The boundary falls between 5 and 4, equal but for the id; the score crosses the URL exactly.
    expect(cursor(first.next)).toEqual({ d: "2026-11-11", h: -1, s: 4.1, i: id(5) } satisfies FindingCursor);

    const second = await list(ALL, { after: cursor(first.next) }, 3);
    expect(numbers(second)).toEqual([4, 3, 2]);
    expect(second.rows.map((r) => [r.day, r.hour, r.score])).toEqual([
      ["2026-11-11", null, 4.1],
      ["2026-11-10", 14, 2],
      ["2026-11-10", null, 5.25],
    ]);
    const last = await list(ALL, { after: cursor(second.next) }, 3);
    expect(numbers(last)).toEqual([1]);
    expect(last.next).toBeNull();
    expect(last.total).toBe(7);

    const backToSecond = await list(ALL, { before: cursor(last.previous) }, 3);
    expect(numbers(backToSecond)).toEqual([4, 3, 2]);
    const backToFirst = await list(ALL, { before: cursor(backToSecond.previous) }, 3);
    expect(numbers(backToFirst)).toEqual([7, 6, 5]);
    expect(backToFirst.previous).toBeNull();
  });

  it("filters hold on every page and the total counts every match", async () => {
    const walk = async (f: AnomalyFilters, size: number) => {
      const pages: number[][] = [];
      let page = await list(f, {}, size);
      pages.push(numbers(page));
      while (page.next) {
        page = await list(f, { after: cursor(page.next) }, size);
        pages.push(numbers(page));
      }
      return { pages, total: page.total };
    };
    expect(await walk({ status: "open" }, 2)).toEqual({ pages: [[7, 5], [3, 2], [1]], total: 5 });
    expect(await walk({ status: "all", tenant: "acme" }, 2)).toEqual({ pages: [[7, 6], [4, 3], [1]], total: 5 });
    expect(await walk({ status: "open", resource: "sandbox" }, 5)).toEqual({ pages: [[5, 3]], total: 2 });
    expect(await walk({ status: "all", tenant: "nobody" }, 5)).toEqual({ pages: [[]], total: 0 });
  });
});

describe("open findings per tenant (the overview)", () => {
  it("counts only open findings, the tenants with the most high-severity findings first, with the newest finding", async () => {
    // acme has more open findings (1, 3, 7) but globex more of high severity (2, 5); acme's
    // dismissed 4 and acknowledged 6 are not open.
    expect(await openAnomaliesByTenant(t.pool)).toEqual([
      { tenantSlug: "globex", tenantName: "Globex", open: 2, high: 2, latestDay: "2026-11-11", latestHour: null },
      { tenantSlug: "acme", tenantName: "Acme", open: 3, high: 1, latestDay: "2026-11-12", latestHour: 23 },
    ]);
  });
});
