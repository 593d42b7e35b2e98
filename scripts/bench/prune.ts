// `npm run bench:prune`: how fast the analysis run's pruning of old per-user usage rows is (ADR
// 0016, app/services/usage-prune.server.ts). Loads into a fresh database (scripts/bench/database.ts:
// a throwaway embedded server, or the server of DATABASE_URL; default settings, durable) 100
// tenants with a per-user day default each, --users end users per tenant and day for --days old
// days (default 100 × 100 × 10 = 100,000 old rows), the same users today and yesterday (kept), one
// shared row per tenant and day (kept), and --held open holds naming old rows (kept); then prunes
// once and prints rows deleted, wall time, rows per second, the slowest batch statement (the
// longest any row lock is held) and the WAL written. Checks the exact counts. Numbers for
// docs/scaling.md; a program, never a timed test.
import pg from "pg";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { pruneUserUsage, PRUNE_BATCH_ROWS } from "../../app/services/usage-prune.server.ts";
import { nonNegative, positive, readArgs, runCli, UsageError } from "./cli.ts";
import { openBenchDatabase } from "./database.ts";

const HELP = `npm run bench:prune -- [--tenants N] [--users N] [--days N] [--held N] [--batch N] [--keep-db]

  --tenants N  tenants, each with a per-user LLM day default (default 100)
  --users N    end users per tenant with a row each day (default 100)
  --days N     old days of rows, before yesterday (default 10): tenants × users × days old rows
  --held N     open holds naming an old row each (default 500)
  --batch N    rows per delete statement (default ${PRUNE_BATCH_ROWS}, the app's)
  --keep-db    keep the database (and embedded server data) for inspection`;

interface PruneBenchOptions {
  tenants: number;
  users: number;
  days: number;
  held: number;
  batch: number;
  keep: boolean;
}

function parse(argv: string[]): PruneBenchOptions | "help" {
  const { flags, given } = readArgs(argv, { flags: ["help", "keep-db"], values: ["tenants", "users", "days", "held", "batch"] });
  if (flags.has("help")) return "help";
  const whole = (name: string, fallback: number) => {
    const v = given.get(name);
    if (v === undefined) return fallback;
    const n = nonNegative(`--${name}`, v);
    if (!Number.isInteger(n)) throw new UsageError(`--${name}: expected a whole number >= 0, got "${v}"`);
    return n;
  };
  const batch = given.has("batch") ? positive("--batch", given.get("batch")!, true) : PRUNE_BATCH_ROWS;
  return { tenants: whole("tenants", 100), users: whole("users", 100), days: whole("days", 10), held: whole("held", 500), batch, keep: flags.has("keep-db") };
}

const note = (m: string) => process.stderr.write(`bench:prune: ${new Date().toISOString().slice(11, 19)} ${m}\n`);

async function run(o: PruneBenchOptions): Promise<number> {
  const db = await openBenchDatabase({ databaseUrl: process.env.DATABASE_URL, keep: o.keep, progress: note });
  const url = db.url;
  try {
    const pool = new pg.Pool({ ...poolConfig(url), max: 2 });
    const now = new Date();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    note(`loading ${o.tenants} tenants × ${o.users} users × ${o.days} old days + today and yesterday`);
    const t0 = Date.now();
    await pool.query(`INSERT INTO tenants (slug, name) SELECT 'prune-' || i, 'Prune ' || i FROM generate_series(1, $1) i`, [o.tenants]);
    await pool.query(
      `INSERT INTO quotas (scope, tenant_id, resource, period, limit_usd) SELECT 'each_user', id, 'llm', 'day', 5 FROM tenants`,
    );
    await pool.query(
      `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd) SELECT 'tenant', id::text, id, 'llm', 'day', 500 FROM tenants`,
    );
    // Days today - (days + 1) … today: the oldest `days` are past the kept previous period.
    await pool.query(
      `INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id, spent_usd)
       SELECT q.id, $1::timestamptz - d * interval '1 day', 'u-' || u, q.tenant_id, 1
         FROM quotas q, generate_series(0, $2 + 1) d, generate_series(1, $3) u WHERE q.scope = 'each_user'`,
      [today, o.days, o.users],
    );
    await pool.query(
      `INSERT INTO quota_usage (quota_id, period_start, spent_usd)
       SELECT q.id, $1::timestamptz - d * interval '1 day', 3 FROM quotas q, generate_series(0, $2 + 1) d WHERE q.scope = 'tenant'`,
      [today, o.days],
    );
    await pool.query(
      `INSERT INTO reservations (tenant_id, resource, idempotency_key, request_hash, estimate_usd, usage_ids, status, expires_at)
       SELECT u.subject_tenant_id, 'llm', 'held-' || u.id, 'h', 1, ARRAY[u.id], 'held', now() + interval '1 hour'
         FROM quota_usage u WHERE u.subject <> '' AND u.period_start < $1::timestamptz - interval '1 day'
        ORDER BY u.id LIMIT $2`,
      [today, o.held],
    );
    await pool.query(`VACUUM ANALYZE quota_usage, reservations, quotas`);
    const old = o.tenants * o.users * o.days;
    const kept = o.tenants * o.users * 2;
    const shared = o.tenants * (o.days + 2);
    note(`loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${old} old per-user rows, ${kept} current, ${shared} shared, ${o.held} held`);

    // Every delete statement timed on its own: the longest one is the longest a row lock is held.
    const batches: number[] = [];
    const c = await pool.connect();
    const timed = {
      query: async (text: string, params?: unknown[]) => {
        const s = performance.now();
        const r = await c.query(text, params);
        if (text.includes("DELETE")) batches.push(performance.now() - s);
        return r;
      },
    } as unknown as pg.PoolClient;
    const walBefore = (await c.query(`SELECT pg_current_wal_lsn() AS l`)).rows[0].l;
    const started = performance.now();
    const summary = await pruneUserUsage(timed, { now, keepPeriods: 1, batchSize: o.batch, progress: note });
    const seconds = (performance.now() - started) / 1000;
    const wal = (await c.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint AS b`, [walBefore])).rows[0].b;
    const left = (await c.query(`SELECT count(*) FILTER (WHERE subject <> '')::int AS per_user, count(*) FILTER (WHERE subject = '')::int AS shared FROM quota_usage`)).rows[0];
    c.release();
    await pool.end();

    const ok = summary.deleted === old - o.held && summary.kept === o.held && left.per_user === kept + o.held && left.shared === shared;
    const sorted = [...batches].sort((a, b) => a - b);
    const result = {
      deleted: summary.deleted, kept: summary.kept, batches: summary.batches, batchSize: o.batch, seconds: Number(seconds.toFixed(2)),
      rowsPerSecond: Math.round(summary.deleted / seconds),
      batchMs: { median: Number(sorted[Math.floor(sorted.length / 2)].toFixed(1)), max: Number(sorted.at(-1)!.toFixed(1)) },
      walMB: Number((Number(wal) / 1048576).toFixed(1)), countsExact: ok,
    };
    console.log(`\n${summary.deleted.toLocaleString("en-US")} old per-user rows deleted in ${seconds.toFixed(2)} s (${result.rowsPerSecond.toLocaleString("en-US")} rows/s), ${summary.batches} batches of ${o.batch}: median ${result.batchMs.median} ms, slowest ${result.batchMs.max} ms; ${result.walMB} MB WAL; kept ${summary.kept} held, ${kept} current, ${shared} shared: ${ok ? "exact" : "WRONG"}`);
    console.log(JSON.stringify(result));
    return ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

runCli({ name: "bench:prune", help: HELP, parse, run, failureCode: 2 });
