// Stored TTL advice against a real database: a replacement in progress is invisible to readers
// (they see the whole previous run), a row the table rejects writes nothing, and a tenant's read
// runs under row-level security.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createTenant } from "~/core/test/fixtures.ts";
import { listTtlAdvice, replaceTtlAdvice } from "./ttl-advice-store.server.ts";
import type { TtlAdviceRow } from "./ttl-advice.server.ts";

let t: TestDatabase;
let acme: string;
let globex: string;

const FIRST = { computedAt: new Date("2026-11-20T06:00:00Z"), windowFrom: new Date("2026-10-21T06:00:00Z"), windowTo: new Date("2026-11-20T06:00:00Z") };
const SECOND = { computedAt: new Date("2026-11-20T12:00:00Z"), windowFrom: new Date("2026-10-21T12:00:00Z"), windowTo: new Date("2026-11-20T12:00:00Z") };

function row(tenantId: string, slug: string, touchpoint: string | null, saving: string, over: Partial<TtlAdviceRow> = {}): TtlAdviceRow {
  return {
    tenantId, tenantSlug: slug, tenantName: slug, touchpoint, runs: 20, billedSeconds: 11_595.123, activeSeconds: 2_400.5,
    idleSeconds: 9_194.623, currentTtlSeconds: 600, recommendedTtlSeconds: 230, sandboxCostUsd: "1.1595000000", projectedMonthlySavingUsd: saving, ...over,
  };
}

/** Writes one run the way the job does: in a transaction of its own. */
async function store(rows: TtlAdviceRow[], run = FIRST) {
  const c = await t.pool.connect();
  try {
    await c.query("BEGIN");
    await replaceTtlAdvice(c, rows, run);
    await c.query("COMMIT");
  } catch (e) {
    await c.query("ROLLBACK");
    throw e;
  } finally {
    c.release();
  }
}

const iso = (d: Date) => d.toISOString();
const computed = (run: typeof FIRST) => ({ at: iso(run.computedAt), windowFrom: iso(run.windowFrom), windowTo: iso(run.windowTo) });

beforeAll(async () => {
  t = await createTestDatabase();
  acme = await createTenant(t.pool, "acme");
  globex = await createTenant(t.pool, "globex");
});
afterAll(async () => t?.drop());

describe("stored TTL advice", () => {
  const first = () => [
    row(acme, "acme", "code-exec", "0.6660000000"),
    row(globex, "globex", null, "0.0870000000", { runs: 1, billedSeconds: 900, activeSeconds: 5, idleSeconds: 895, currentTtlSeconds: 900, recommendedTtlSeconds: 30 }),
    row(acme, "acme", "notebook", "0.0000000000", { activeSeconds: 0, idleSeconds: 0, currentTtlSeconds: null, recommendedTtlSeconds: null }),
  ];

  it("reads back exactly what was stored, biggest saving first, with when and which window", async () => {
    await store(first());
    expect(await listTtlAdvice({ pool: t.pool })).toEqual({ computed: computed(FIRST), rows: first() });
    expect(await listTtlAdvice({ pool: t.pool, tenantSlug: "globex" })).toEqual({ computed: computed(FIRST), rows: [first()[1]] });
  });

  it("a reader during a replacement sees the whole previous run, then the whole new one", async () => {
    const writer = await t.pool.connect();
    try {
      await writer.query("BEGIN");
      await replaceTtlAdvice(writer, [row(globex, "globex", "code-exec", "2.0000000000")], SECOND);
      // Not committed yet: the pages still read the first run, all of it.
      expect(await listTtlAdvice({ pool: t.pool })).toEqual({ computed: computed(FIRST), rows: first() });
      expect(await listTtlAdvice({ pool: t.pool, tenantId: acme })).toEqual({ computed: computed(FIRST), rows: [first()[0], first()[2]] });
      await writer.query("COMMIT");
    } finally {
      writer.release();
    }
    expect(await listTtlAdvice({ pool: t.pool })).toEqual({ computed: computed(SECOND), rows: [row(globex, "globex", "code-exec", "2.0000000000")] });
    expect(await listTtlAdvice({ pool: t.pool, tenantId: acme })).toEqual({ computed: computed(SECOND), rows: [] });
  });

  it("a row the table rejects fails the replacement with the rule's message and writes nothing", async () => {
    const before = await listTtlAdvice({ pool: t.pool });
    const bad: [Partial<TtlAdviceRow>, RegExp][] = [
      [{ runs: 0 }, /runs must be at least 1/],
      [{ idleSeconds: 20_000 }, /idle time not above billed time/],
      [{ projectedMonthlySavingUsd: "-0.0100000000" }, /cost and saving must not be negative/],
      [{ recommendedTtlSeconds: 900, currentTtlSeconds: 600 }, /the recommended TTL must not be negative nor above the current TTL/],
    ];
    for (const [over, message] of bad) {
      await expect(store([row(acme, "acme", "good", "1.0000000000"), row(acme, "acme", "bad", "0.5000000000", over)], FIRST)).rejects.toThrow(message);
      expect(await listTtlAdvice({ pool: t.pool })).toEqual(before);
    }
    await expect(store([], { ...FIRST, windowFrom: FIRST.windowTo })).rejects.toThrow(/window_to must be after window_from/);
    expect(await listTtlAdvice({ pool: t.pool })).toEqual(before);
    const { rows } = await t.pool.query(`SELECT (SELECT count(*) FROM ttl_advice_runs)::int AS runs, (SELECT count(*) FROM ttl_advice)::int AS rows`);
    expect(rows[0]).toEqual({ runs: 1, rows: 1 });
  });

  it("a tenant's role sees only its own advice rows; staff bypass explicitly", async () => {
    await store(first());
    const c = await t.pool.connect();
    try {
      await c.query("BEGIN");
      await c.query("SET LOCAL ROLE tollgate_tenant");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [acme]);
      const { rows } = await c.query(`SELECT tenant_id, touchpoint FROM ttl_advice ORDER BY touchpoint`);
      expect(rows).toEqual([{ tenant_id: acme, touchpoint: "code-exec" }, { tenant_id: acme, touchpoint: "notebook" }]);
      // An explicit filter for the other tenant still returns nothing; the run itself is not tenant data.
      expect((await c.query(`SELECT 1 FROM ttl_advice WHERE tenant_id = $1`, [globex])).rowCount).toBe(0);
      expect((await c.query(`SELECT computed_at FROM ttl_advice_runs`)).rows).toEqual([{ computed_at: FIRST.computedAt }]);
      await c.query("SELECT set_config('app.staff', 'on', true)");
      expect((await c.query(`SELECT 1 FROM ttl_advice`)).rowCount).toBe(3);
      await c.query("ROLLBACK");
    } finally {
      c.release();
    }
  });
});
