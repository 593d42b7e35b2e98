// `npm run bench:partitioning`: would monthly range partitions of cost_records pay? Loads N cost
// records (the generator of bench:dashboards: 1,000 tenants, 120 days, skewed tenant sizes) into a
// fresh embedded PostgreSQL, copies them into `cost_records_p`, the same table PARTITION BY RANGE
// (occurred_at) with one partition per month and the same indexes, and runs the explorer's keyset
// queries (the SQL of records.server.ts, only the table name changed), the rollup aggregates
// (one day and one month of records grouped as spend_rollups is), an insert batch and dropping
// the oldest month, on both. EXPLAIN (ANALYZE, BUFFERS) each: median planning and execution
// time of 7 runs after one warm-up; the plans of the last run go to --plans FILE.
// Numbers for docs/scaling.md; a program, never a timed test.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import type { RecordFilters, RecordSort } from "../../app/schemas/records.ts";
import { sliceSql, type RecordScope } from "../../app/services/records.server.ts";
import { freePort, migrateDeploy, startEmbeddedPostgres, withDatabase } from "../lib/postgres.ts";
import { createTenants, loadCostRecords } from "./dashboards/load.ts";

const HELP = `npm run bench:partitioning -- [--records N] [--runs N] [--plans FILE] [--keep-db]

  --records N   cost records to load (default 20000000; 5000000 takes ~10 min on 2 cores)
  --runs N      timed EXPLAIN ANALYZE runs per query and table (default 7, after 1 warm-up)
  --plans FILE  write the plans of the last run of every query there
  --keep-db     keep the embedded server's data directory`;

function parseArgs(argv: string[]) {
  const o = { records: 20_000_000, runs: 7, plans: "", keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") (console.log(HELP), process.exit(0));
    else if (a === "--records") o.records = Number(argv[++i]);
    else if (a === "--runs") o.runs = Number(argv[++i]);
    else if (a === "--plans") o.plans = argv[++i];
    else if (a === "--keep-db") o.keep = true;
    else throw new Error(`unknown option ${a}\n\n${HELP}`);
  }
  if (!Number.isInteger(o.records) || o.records < 1000 || !Number.isInteger(o.runs) || o.runs < 1) throw new Error(HELP);
  return o;
}

const note = (m: string) => process.stderr.write(`bench:partitioning: ${new Date().toISOString().slice(11, 19)} ${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The partitioned copy: same columns, defaults and checks; one partition per calendar month. */
async function createPartitionedCopy(c: pg.PoolClient) {
  await c.query(`CREATE TABLE cost_records_p (LIKE cost_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (occurred_at)`);
  const { rows } = await c.query(
    `SELECT to_char(m, 'YYYY_MM') AS name, m::text AS from, (m + interval '1 month')::text AS to
       FROM generate_series((SELECT date_trunc('month', min(occurred_at)) FROM cost_records),
                            (SELECT date_trunc('month', max(occurred_at)) FROM cost_records), interval '1 month') m`,
  );
  for (const r of rows) {
    await c.query(`CREATE TABLE cost_records_p_${r.name} PARTITION OF cost_records_p FOR VALUES FROM ('${r.from}') TO ('${r.to}')`);
  }
  note(`copying into ${rows.length} monthly partitions`);
  await c.query(`INSERT INTO cost_records_p SELECT * FROM cost_records`);
  // A unique index of a partitioned table must contain the partition key: the primary key becomes
  // (id, occurred_at), and idempotency (tenant_id, idempotency_key) and one record per reservation
  // could only be unique within a month (ADR 0007). Built here as plain indexes of the same
  // columns, so inserts pay the same index upkeep as on the real table.
  await c.query(`ALTER TABLE cost_records_p ADD PRIMARY KEY (id, occurred_at)`);
  const { rows: defs } = await c.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cost_records' AND indexname <> 'cost_records_pkey'`,
  );
  for (const d of defs) {
    const def = (d.indexdef as string)
      .replace("CREATE UNIQUE INDEX", "CREATE INDEX")
      .replace(` ${d.indexname} `, ` p_${d.indexname} `)
      .replace(" ON public.cost_records ", " ON public.cost_records_p ");
    note(`index: ${def.slice(def.indexOf(" ON ") + 4)}`);
    await c.query(def);
  }
  await c.query(`VACUUM ANALYZE cost_records_p`);
  return rows.length;
}

interface Query {
  name: string;
  what: string;
  sql: (table: string) => { text: string; values: unknown[] };
}

/** EXPLAIN (ANALYZE, BUFFERS) n times after a warm-up: median planning and execution ms, the last plan. */
async function measure(c: pg.PoolClient, q: { text: string; values: unknown[] }, runs: number) {
  const plan = async (format: "JSON" | "TEXT") => (await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT ${format}) ${q.text}`, q.values)).rows;
  await plan("JSON");
  const planning: number[] = [];
  const execution: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [row] = await plan("JSON");
    const e = row["QUERY PLAN"][0];
    planning.push(e["Planning Time"]);
    execution.push(e["Execution Time"]);
  }
  const text = (await plan("TEXT")).map((r) => r["QUERY PLAN"]).join("\n");
  return { planningMs: median(planning), executionMs: median(execution), plan: text };
}

/** Runs `sql` in a transaction that is rolled back: the time of a change without keeping it. */
async function timedAndRolledBack(c: pg.PoolClient, sqls: string[]) {
  await c.query("BEGIN");
  try {
    const t0 = performance.now();
    for (const s of sqls) await c.query(s);
    return performance.now() - t0;
  } finally {
    await c.query("ROLLBACK");
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const now = new Date();
  const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-bench-partitioning-"));
  chmodSync(dir, 0o755);
  note(`starting embedded PostgreSQL in ${dir}`);
  // Server defaults (shared_buffers 128 MB) except durability, which a read benchmark does not
  // measure and which only slows the load down.
  const server = await startEmbeddedPostgres({
    dir: path.join(dir, "data"),
    port: await freePort(),
    persistent: o.keep,
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", maintenance_work_mem: "256MB", max_wal_size: "4GB" },
  });
  const url = withDatabase(server.adminUrl, "tollgate_bench_partitioning");
  const out: Record<string, unknown>[] = [];
  const plans: string[] = [];
  try {
    await migrateDeploy(url);
    const pool = new pg.Pool({ ...poolConfig(url), max: 1 });
    const c = await pool.connect();
    await c.query(`SET TIME ZONE 'UTC'`);
    const t0 = Date.now();
    await createTenants(c);
    await loadCostRecords(c, o.records, now, {
      note,
      loaded: (done) => note(`loaded ${done.toLocaleString("en-US")} / ${o.records.toLocaleString("en-US")} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    });
    await c.query(`VACUUM ANALYZE cost_records`);
    const loadSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const partitions = await createPartitionedCopy(c);
    const copySeconds = (Date.now() - t1) / 1000;
    const { rows: sizes } = await c.query(
      `SELECT pg_size_pretty(pg_total_relation_size('cost_records')) AS plain,
              (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'cost_records_p'::regclass) AS partitioned`,
    );

    const heavy = (await c.query(`SELECT id FROM tenants WHERE slug = 'tenant-0001'`)).rows[0].id as string;
    const deep = (await c.query(
      `SELECT id::text, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM cost_records ORDER BY occurred_at DESC, id DESC OFFSET 9999 LIMIT 1`,
    )).rows[0];
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const lastMonth = { from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))), to: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0))) };
    const yesterday = day(new Date(now.getTime() - 86_400_000));
    const all: RecordScope = { kind: "all" };
    const slice = (scope: RecordScope, filters: RecordFilters, sort: RecordSort, opts: { after?: boolean; limit?: number; ids?: boolean; tenantId?: string } = {}) => (table: string) => {
      const cursor = opts.after ? { key: "time" as const, value: deep.at, id: deep.id } : undefined;
      const q = sliceSql(scope, filters, sort, cursor, false, opts.limit ?? 51, opts.ids ? "ids" : "rows", opts.tenantId);
      return { text: q.text.replaceAll("FROM cost_records c", `FROM ${table} c`), values: q.values };
    };
    const rollup = (from: string, to: string) => (table: string) => ({
      text: `SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, tenant_id, coalesce(user_id, '') AS user_id, resource, coalesce(provider, '') AS provider,
                    coalesce(model, '') AS model, coalesce(touchpoint, '') AS touchpoint, sum(cost_usd), coalesce(sum(input_tokens), 0),
                    coalesce(sum(output_tokens), 0), count(*)
               FROM ${table} WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz + interval '1 day'
              GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      values: [`${from}T00:00:00Z`, `${to}T00:00:00Z`],
    });
    const queries: Query[] = [
      { name: "explorer-first-page", what: "all tenants, newest first, 51 rows", sql: slice(all, {}, "time_desc") },
      { name: "explorer-deep-page", what: "10,000 rows in (keyset cursor)", sql: slice(all, {}, "time_desc", { after: true }) },
      { name: "explorer-by-cost", what: "all tenants, by cost", sql: slice(all, {}, "cost_desc") },
      { name: "explorer-filtered", what: "heaviest tenant, one model, last month", sql: slice(all, { tenant: "tenant-0001", model: "claude-sonnet-4", ...lastMonth }, "time_desc", { tenantId: heavy }) },
      { name: "tenant-records-ids", what: "heaviest tenant's first page (ids, as its RLS explorer)", sql: slice({ kind: "tenant", tenantId: heavy }, {}, "time_desc", { ids: true }) },
      { name: "csv-batch", what: "heaviest tenant, last month, one 5,000-row export batch", sql: slice(all, { tenant: "tenant-0001", ...lastMonth }, "time_desc", { limit: 5000, tenantId: heavy }) },
      { name: "rollup-day", what: "yesterday's records grouped as spend_rollups", sql: rollup(yesterday, yesterday) },
      { name: "rollup-month", what: "last month's records grouped as spend_rollups", sql: rollup(lastMonth.from, lastMonth.to) },
    ];
    for (const q of queries) {
      for (const table of ["cost_records", "cost_records_p"]) {
        note(`${q.name} on ${table}`);
        const m = await measure(c, q.sql(table), o.runs);
        out.push({ query: q.name, table, planningMs: round(m.planningMs), executionMs: round(m.executionMs) });
        plans.push(`### ${q.name} (${q.what}) on ${table}\n${m.plan}\n`);
      }
    }
    // Writes: a 10,000-record insert (the core appends one per settle), and dropping the oldest
    // month (a retention policy): DELETE on the plain table, DETACH + DROP of a partition.
    const insert = (table: string) =>
      `INSERT INTO ${table} (tenant_id, resource, cost_usd, idempotency_key, occurred_at)
       SELECT $$${heavy}$$::uuid, 'llm', 0.01, 'ins-' || g, now() - (g % 60) * interval '1 second' FROM generate_series(1, 10000) g`;
    const oldest = (await c.query(`SELECT min(occurred_at) AS m FROM cost_records`)).rows[0].m as Date;
    const first = new Date(Date.UTC(oldest.getUTCFullYear(), oldest.getUTCMonth(), 1));
    const next = new Date(Date.UTC(oldest.getUTCFullYear(), oldest.getUTCMonth() + 1, 1));
    const partName = `cost_records_p_${first.toISOString().slice(0, 7).replace("-", "_")}`;
    const writes = [
      { name: "insert-10k", table: "cost_records", sqls: [insert("cost_records")] },
      { name: "insert-10k", table: "cost_records_p", sqls: [insert("cost_records_p")] },
      { name: "drop-oldest-month", table: "cost_records", sqls: [`DELETE FROM cost_records WHERE occurred_at < '${next.toISOString()}'`] },
      { name: "drop-oldest-month", table: "cost_records_p", sqls: [`ALTER TABLE cost_records_p DETACH PARTITION ${partName}`, `DROP TABLE ${partName}`] },
    ];
    for (const w of writes) {
      note(`${w.name} on ${w.table}`);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) times.push(await timedAndRolledBack(c, w.sqls));
      out.push({ query: w.name, table: w.table, wallMs: round(median(times)) });
    }
    c.release();
    await pool.end();

    console.log(`\n${o.records.toLocaleString("en-US")} cost records (${partitions} monthly partitions); load ${loadSeconds.toFixed(0)} s, copy ${copySeconds.toFixed(0)} s; total size plain ${sizes[0].plain}, partitioned ${sizes[0].partitioned}`);
    console.log(`${"query".padEnd(22)} ${"table".padEnd(15)} plan ms   exec ms`);
    for (const r of out) {
      console.log(`${String(r.query).padEnd(22)} ${String(r.table).padEnd(15)} ${String(r.planningMs ?? "").padStart(7)} ${String(r.executionMs ?? r.wallMs).padStart(9)}`);
    }
    if (o.plans) writeFileSync(o.plans, plans.join("\n"));
    console.log(JSON.stringify({ records: o.records, partitions, loadSeconds: Math.round(loadSeconds), copySeconds: Math.round(copySeconds), sizes: sizes[0], results: out }));
    return 0;
  } finally {
    await server.stop();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

main().then(
  (code) => process.exit(code),
  (e) => {
    note(`failed: ${(e as Error).stack}`);
    process.exit(2);
  },
);
