import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../app/db/test/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

async function templates(rows: [string, string, string][]) {
  for (const [resource, period, limit] of rows) {
    await t.pool.query(
      `INSERT INTO default_quotas (resource, period, limit_usd, warning_thresholds) VALUES ($1, $2, $3, '{80}')`,
      [resource, period, limit],
    );
  }
}

describe("default-quota trigger", () => {
  it("gives a tenant inserted with raw SQL exactly the template quotas, and follows template edits", async () => {
    await templates([
      ["llm", "month", "100"],
      ["sandbox", "month", "50"],
      ["all", "month", "150"],
    ]);
    const { rows: [a] } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('raw-a', 'Raw A') RETURNING id`);
    const { rows: qa } = await t.pool.query(
      `SELECT scope, scope_id, resource, period, limit_usd::text AS limit, warning_thresholds, enforcement, enabled
         FROM quotas WHERE tenant_id = $1 ORDER BY resource`,
      [a.id],
    );
    expect(qa).toEqual([
      { scope: "tenant", scope_id: a.id, resource: "llm", period: "month", limit: "100.0000000000", warning_thresholds: [80], enforcement: "hard", enabled: true },
      { scope: "tenant", scope_id: a.id, resource: "sandbox", period: "month", limit: "50.0000000000", warning_thresholds: [80], enforcement: "hard", enabled: true },
      { scope: "tenant", scope_id: a.id, resource: "all", period: "month", limit: "150.0000000000", warning_thresholds: [80], enforcement: "hard", enabled: true },
    ]);

    await t.pool.query(`UPDATE default_quotas SET limit_usd = 250 WHERE resource = 'llm'`);
    await t.pool.query(`UPDATE default_quotas SET enabled = false WHERE resource = 'sandbox'`);
    const { rows: [b] } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('raw-b', 'Raw B') RETURNING id`);
    const { rows: qb } = await t.pool.query(
      `SELECT resource, limit_usd::text AS limit FROM quotas WHERE tenant_id = $1 ORDER BY resource`,
      [b.id],
    );
    expect(qb).toEqual([
      { resource: "llm", limit: "250.0000000000" },
      { resource: "all", limit: "150.0000000000" },
    ]);
    // The first tenant keeps what it was given.
    const { rows: [{ n }] } = await t.pool.query(`SELECT count(*)::int AS n FROM quotas WHERE tenant_id = $1`, [a.id]);
    expect(n).toBe(3);
  });
});

describe("row-level security", () => {
  it("shows a tenant-scoped session only its own tenant's rows; staff bypass explicitly", async () => {
    const { rows: [acme] } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme-rls', 'Acme') RETURNING id`);
    const { rows: [globex] } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('globex-rls', 'Globex') RETURNING id`);
    for (const [tenant, cost] of [[acme.id, "1.5"], [acme.id, "2.5"], [globex.id, "7"]]) {
      await t.pool.query(
        `INSERT INTO cost_records (tenant_id, resource, cost_usd, occurred_at) VALUES ($1, 'llm', $2, now())`,
        [tenant, cost],
      );
    }
    const c = await t.pool.connect();
    try {
      await c.query("BEGIN");
      await c.query("SET LOCAL ROLE tollgate_tenant");
      await c.query("SELECT set_config('app.tenant_id', $1, true)", [acme.id]);
      const { rows } = await c.query(`SELECT tenant_id, cost_usd::text AS cost FROM cost_records ORDER BY cost_usd`);
      expect(rows).toEqual([
        { tenant_id: acme.id, cost: "1.5000000000" },
        { tenant_id: acme.id, cost: "2.5000000000" },
      ]);
      const { rows: tenants } = await c.query(`SELECT slug FROM tenants`);
      expect(tenants).toEqual([{ slug: "acme-rls" }]);
      // An explicit filter for the other tenant still returns nothing.
      const { rowCount } = await c.query(`SELECT 1 FROM cost_records WHERE tenant_id = $1`, [globex.id]);
      expect(rowCount).toBe(0);
      await c.query("ROLLBACK");

      await c.query("BEGIN");
      await c.query("SET LOCAL ROLE tollgate_tenant");
      const { rowCount: none } = await c.query(`SELECT 1 FROM cost_records`);
      expect(none).toBe(0); // no tenant selected: nothing visible
      await c.query("SELECT set_config('app.staff', 'on', true)");
      const { rowCount: all } = await c.query(`SELECT 1 FROM cost_records`);
      expect(all).toBe(3);
      await c.query("ROLLBACK");
    } finally {
      c.release();
    }
  });
});

describe("price and quota rules", () => {
  it("rejects a second LLM price in effect for the same model over the same period", async () => {
    await t.pool.query(
      `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from)
       VALUES ('openai', 'm-1', 1, 2, '2026-01-01')`,
    );
    await expect(
      t.pool.query(
        `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from)
         VALUES ('openai', 'm-1', 3, 4, '2026-02-01')`,
      ),
    ).rejects.toMatchObject({ code: "23P01", constraint: "llm_prices_one_in_effect" });
    // Closing the first one makes room for the second.
    await t.pool.query(`UPDATE llm_prices SET effective_to = '2026-02-01' WHERE model = 'm-1'`);
    await t.pool.query(
      `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from)
       VALUES ('openai', 'm-1', 3, 4, '2026-02-01')`,
    );
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM llm_prices WHERE model = 'm-1'`);
    expect(rows[0].n).toBe(2);
  });

  it("rejects a non-positive limit and a second platform quota for the same resource and period", async () => {
    await expect(
      t.pool.query(`INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('platform', 'llm', 'day', 0)`),
    ).rejects.toMatchObject({ code: "23514", constraint: "quotas_limit_positive" });
    await t.pool.query(`INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('platform', 'llm', 'day', 10)`);
    await expect(
      t.pool.query(`INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('platform', 'llm', 'day', 20)`),
    ).rejects.toMatchObject({ code: "23505", constraint: "quotas_platform_unique" });
  });
});
