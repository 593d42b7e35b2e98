// The server-side statement timeout behind PgBouncer in transaction mode (ADR 0012). The core
// cannot send statement_timeout as a startup parameter there (PgBouncer 1.18 refuses it), so the
// operator sets it on the bouncer's server connections: connect_query on the database entry.
// Through a real bouncer so configured, a decision whose statement sleeps past it is cancelled
// by the server (57014) and the API answers its usual 503 instead of hanging; the same bouncer
// without connect_query lets statements run unbounded, and the app says so when it starts.
// (Needs `remix build`, like the other app-instance tests.)
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startPgBouncer, type PgBouncer } from "~/db/test/pgbouncer.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey } from "~/test/api-fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";

const TIMEOUT_MS = 1000;

let t: TestDatabase;
let bouncer: PgBouncer;
let bare: PgBouncer;
let app: AppInstance;
let bareApp: AppInstance;
let tenantId: string;
let key: string;

beforeAll(async () => {
  t = await createTestDatabase();
  // The operator's setting, as README shows it; and a bouncer without it.
  bouncer = await startPgBouncer(inject("pgAdminUrl"), [t.name], { connectQuery: `SET statement_timeout = ${TIMEOUT_MS}` });
  bare = await startPgBouncer(inject("pgAdminUrl"), [t.name]);
  tenantId = await createTenant(t.pool, "pooled-timeout");
  await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
  key = await apiKey(t.prisma, "pooled-timeout", tenantId);
  // The stuck statement: inserting a reservation whose key starts with "sleepy-" sleeps 30 s
  // (far past the timeout). The sequence counts the sleeps begun — it is not transactional, so
  // it keeps the count when the statement is cancelled and its transaction rolled back.
  await t.pool.query(`
    CREATE SEQUENCE test_sleeps;
    CREATE FUNCTION test_sleep_on_key() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.idempotency_key LIKE 'sleepy-%' THEN
        PERFORM nextval('test_sleeps');
        PERFORM pg_sleep(30);
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_sleep BEFORE INSERT ON reservations FOR EACH ROW EXECUTE FUNCTION test_sleep_on_key();
  `);
  const env = { DATABASE_DIRECT_URL: t.url, QUOTA_DB_TIMEOUT_MS: String(TIMEOUT_MS) };
  app = await startAppInstance({ databaseUrl: bouncer.url(t.name), env });
  bareApp = await startAppInstance({ databaseUrl: bare.url(t.name), env });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await bareApp?.stop();
  await bouncer?.stop();
  await bare?.stop();
  await t?.drop();
});

/** The instance's JSON log line about the pooled statement timeout (logged once at start). */
async function timeoutLine(i: AppInstance) {
  for (let n = 0; n < 600; n++) {
    const line = i
      .output()
      .split("\n")
      .slice(0, -1) // the last piece may be a line still being written
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === "pooled_statement_timeout");
    if (line) return { level: line.level, statementTimeoutMs: line.statementTimeoutMs, msg: line.msg };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no pooled_statement_timeout line:\n${i.output()}`);
}

async function viaBouncer<T>(b: PgBouncer, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: b.url(t.name) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe("statement_timeout behind PgBouncer (connect_query)", () => {
  it("holds on every pooled server connection, and not on a bouncer without it", async () => {
    // Several transactions in a row: round robin hands each another server connection.
    const seen = await viaBouncer(bouncer, async (c) => {
      const out: string[] = [];
      for (let i = 0; i < 4; i++) out.push((await c.query(`SELECT current_setting('statement_timeout') AS v`)).rows[0].v);
      return out;
    });
    expect(seen).toEqual(["1s", "1s", "1s", "1s"]);
    await expect(viaBouncer(bouncer, (c) => c.query("SELECT pg_sleep(30)"))).rejects.toMatchObject({
      code: "57014",
      message: "canceling statement due to statement timeout",
    });
    expect(await viaBouncer(bare, async (c) => (await c.query(`SELECT current_setting('statement_timeout') AS v`)).rows[0].v)).toBe("0");
  });

  it("the app checks it at start: info when it holds, a warning naming the fix when it does not", async () => {
    expect(await timeoutLine(app)).toEqual({ level: "info", statementTimeoutMs: 1000, msg: "statement_timeout through the pooler: 1000 ms" });
    expect(await timeoutLine(bareApp)).toEqual({
      level: "warn",
      statementTimeoutMs: 0,
      msg:
        "statement_timeout through the pooler is off, not at most QUOTA_DB_TIMEOUT_MS (1000 ms): a stuck statement holds a decision until it ends. " +
        "Set it on the pooler's server connections (PgBouncer: connect_query='SET statement_timeout = 1000' on the database entry; ADR 0012)",
    });
  });

  it("a decision whose statement sleeps past it is cancelled by the server and answered 503, then the next one is served", async () => {
    const api = apiClient(app.url, key);
    const reserve = (k: string) => api.post("/api/v1/reservations", { tenantId, resource: "llm", idempotencyKey: k, estimatedCostUsd: "1.00" });
    expect((await reserve("ok-1")).status).toBe(201);

    const stuck = await reserve("sleepy-1");
    // The fault happened: the reservation's insert began its 30 s sleep …
    expect((await t.pool.query(`SELECT last_value::int AS n, is_called FROM test_sleeps`)).rows).toEqual([{ n: 1, is_called: true }]);
    // … and the API answered as for any unavailable database, not after the sleep with a 201.
    expect([stuck.status, stuck.body, stuck.headers.get("retry-after")]).toEqual([
      503,
      { error: "quota_unavailable", message: "The quota store is unavailable; try again shortly." },
      "5",
    ]);
    // The server cancelled it (nothing is still sleeping) and rolled it back (no hold).
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'`)).rows[0].n).toBe(0);
    expect((await t.pool.query(`SELECT idempotency_key AS k, status::text FROM reservations ORDER BY created_at`)).rows).toEqual([{ k: "ok-1", status: "held" }]);

    // The pooled connections serve the next decision.
    expect((await reserve("ok-2")).status).toBe(201);
    expect((await t.pool.query(`SELECT reserved_usd::text AS reserved FROM quota_usage_current`)).rows).toEqual([{ reserved: "2.0000000000" }]);
  });
});
