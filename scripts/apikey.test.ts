// The CLI as a user runs it: a child process against a real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../app/db/test/test-database.ts";
import { runScript } from "./lib/test/run-script.ts";
import { authenticateApiKey } from "../app/services/api-keys.server.ts";

let t: TestDatabase;
let tenantId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  const { rows } = await t.pool.query(`INSERT INTO tenants (slug, name) VALUES ('cli-co', 'CLI Co') RETURNING id`);
  tenantId = rows[0].id;
});
afterAll(async () => t?.drop());

const apikey = (...args: string[]) => runScript("scripts/apikey.ts", args, { DATABASE_URL: t.url });

const KEY = /\btg_[A-Za-z0-9_-]{43}\b/g;

describe("npm run apikey", () => {
  it("creates a tenant-bound key and prints it once", async () => {
    const run = await apikey("--name", "ci", "--tenant", "cli-co");
    expect(run.stderr).not.toMatch(KEY);
    expect(run.code).toBe(0);
    const keys = run.stdout.match(KEY) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(run.stdout).toContain("cannot be shown again");
    expect(run.stdout).toContain("bound to tenant cli-co");
    const found = await authenticateApiKey(t.pool, key);
    expect(found?.tenantId).toBe(tenantId);
    expect(found?.name).toBe("ci");
    const { rows } = await t.pool.query(`SELECT actor_id, actor_label, action, tenant_id FROM audit_log WHERE entity_id = $1`, [found!.id]);
    expect(rows).toEqual([{ actor_id: null, actor_label: "cli:apikey", action: "api_key.create", tenant_id: tenantId }]);
  });

  it("creates a platform-wide key without --tenant", async () => {
    const run = await apikey("--name", "infra");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("platform-wide");
    const [key] = run.stdout.match(KEY) ?? [];
    expect(key).toBeDefined();
    const found = await authenticateApiKey(t.pool, key!);
    expect(found?.name).toBe("infra");
    expect(found?.tenantId).toBeNull();
  });

  it("exits 1 naming an unknown tenant slug, and creates nothing", async () => {
    const { rows: [before] } = await t.pool.query(`SELECT count(*)::int AS n FROM api_keys`);
    const run = await apikey("--name", "ci", "--tenant", "no-such-tenant");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown tenant "no-such-tenant"');
    expect(run.stdout).not.toMatch(KEY);
    const { rows: [after] } = await t.pool.query(`SELECT count(*)::int AS n FROM api_keys`);
    expect(after.n).toBe(before.n);
  });

  it("exits 1 without --name and on unknown options; --help prints usage", async () => {
    const [missing, unknown, help] = await Promise.all([
      apikey("--tenant", "cli-co"),
      apikey("--name", "x", "--tenat", "cli-co"),
      apikey("--help"),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--name is required");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("--tenat");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: npm run apikey -- --name NAME [--tenant SLUG]");
  });
});
