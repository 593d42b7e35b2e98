// `npm run bench:dashboards`: loads millions of cost records into a fresh database (embedded, or
// a new database on the server of DATABASE_URL), runs the analysis job once (timed: the pages
// read what it stores, e.g. TTL advice) and times the control panel's loaders from the real
// build, 50 times each after a warm-up (shared/BENCH.md). Progress on stderr; a table and one
// JSON line on stdout. Exit 1 when a loader's p95 is over the 200 ms target.
import type { ServerBuild } from "@remix-run/node";
import { pathToFileURL } from "node:url";
import { runAnalysis } from "../../../app/services/analysis/job.server.ts";
import { BUILD_ENTRY, ensureBuild } from "../../lib/build.ts";
import { positive, readArgs, runCli } from "../cli.ts";
import { benchPool, openBenchDatabase } from "../database.ts";
import { buildRollups, createTenants, DAYS, loadCostRecords, TENANTS } from "./load.ts";
import { callLoader, csvThroughput, staffSession, timeLoader, type LoaderCall, type Timing } from "./loaders.ts";

const HELP = `npm run bench:dashboards -- [--records N] [--iterations N] [--warmup N] [--keep-db]

  --records N      cost records to load (default 5000000), over ${TENANTS} tenants and ${DAYS} days
  --iterations N   timed calls per loader (default 50)
  --warmup N       untimed calls per loader first (default 5)
  --keep-db        keep the database (and embedded server data) for inspection`;
const TARGET_P95_MS = 200;

function parse(argv: string[]) {
  const { flags, given } = readArgs(argv, { flags: ["help", "keep-db"], values: ["records", "iterations", "warmup"] });
  if (flags.has("help")) return "help" as const;
  const count = (name: string, fallback: number) => (given.has(name) ? positive(`--${name}`, given.get(name)!, true) : fallback);
  return { records: count("records", 5_000_000), iterations: count("iterations", 50), warmup: count("warmup", 5), keep: flags.has("keep-db") };
}

const note = (m: string) => process.stderr.write(`bench:dashboards: ${m}\n`);
const day = (d: Date) => d.toISOString().slice(0, 10);

async function run(o: Exclude<ReturnType<typeof parse>, "help">): Promise<number> {
  const now = new Date();
  const db = await openBenchDatabase({ databaseUrl: process.env.DATABASE_URL, keep: o.keep, progress: note });
  const pool = benchPool(db.url, 2, "tollgate-bench-dashboards");
  try {
    const c = await pool.connect();
    const t0 = Date.now();
    note(`${await db.describe()}; creating ${TENANTS} tenants`);
    await createTenants(c);
    await loadCostRecords(c, o.records, now, {
      note,
      loaded(done) {
        const s = (Date.now() - t0) / 1000;
        note(`loaded ${done.toLocaleString("en-US")} / ${o.records.toLocaleString("en-US")} cost records (${s.toFixed(0)} s, ~${Math.round((s / done) * (o.records - done))} s left)`);
      },
    });
    note("building the daily rollups and analysing");
    const { totalUsd, rollupRows } = await buildRollups(c);
    const loadSeconds = (Date.now() - t0) / 1000;
    note(`loaded in ${loadSeconds.toFixed(0)} s: $${Number(totalUsd).toFixed(2)} in ${rollupRows.toLocaleString("en-US")} rollup rows (exactly the records' sum)`);

    // The analysis job, as the server's schedule runs it: the cost-optimization and tenant pages
    // read the TTL advice it stores.
    note("running the analysis job");
    const a0 = Date.now();
    const analysis = await runAnalysis({ pool, now, progress: (m) => note(`analysis: ${m}`) });
    if (!analysis.ran) throw new Error("the analysis job did not run (its lock is held)");
    const analysisSeconds = (Date.now() - a0) / 1000;
    note(`analysis in ${analysisSeconds.toFixed(1)} s`);

    // The heaviest tenant (about a tenth of all records), the 10,000th newest record, last month.
    const heavy = "tenant-0001";
    const { rows: deep } = await c.query(
      `SELECT id::text, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM cost_records ORDER BY occurred_at DESC, id DESC OFFSET 9999 LIMIT 1`,
    );
    const { rows: heavyCount } = await c.query(`SELECT count(*)::int AS n FROM cost_records r JOIN tenants t ON t.id = r.tenant_id WHERE t.slug = $1`, [heavy]);
    const cookie = await staffSession(c);
    c.release();

    process.env.DATABASE_URL = db.url;
    process.env.NODE_ENV = "production";
    // Production with DATABASE_URL requires SECRETS_KEY (config.server.ts); the bench seals nothing.
    process.env.SECRETS_KEY ??= "bench-dashboards-throwaway-key";
    await ensureBuild(note);
    const build = (await import(pathToFileURL(BUILD_ENTRY).href)) as ServerBuild;
    const { encodeCursor } = await import("../../../app/schemas/records.ts");
    const after = encodeCursor({ key: "time", value: deep[0].at, id: deep[0].id });
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
    const month = `from=${day(monthStart)}&to=${day(monthEnd)}`;
    const ninety = `from=${day(new Date(now.getTime() - 89 * 86_400_000))}&to=${day(now)}`;

    const fullPage = (d: any) => {
      const rows = (d?.explorer ?? d)?.page?.rows;
      if (rows?.length !== 50) throw new Error(`expected a page of 50 records, got ${rows?.length}`);
    };
    const tenantPage = (d: any) => {
      if (!(d?.spend?.records > 0)) throw new Error("tenant detail without records");
    };
    const calls: LoaderCall[] = [
      { name: "tenant-detail", routeId: "routes/t+/$tenantSlug+/_index", path: `/t/${heavy}`, params: { tenantSlug: heavy }, check: tenantPage },
      { name: "tenant-detail-90-days", routeId: "routes/t+/$tenantSlug+/_index", path: `/t/${heavy}?${ninety}&grain=week`, params: { tenantSlug: heavy }, check: tenantPage },
      { name: "explorer-first-page", routeId: "routes/records+/_index", path: "/records", check: fullPage },
      { name: "explorer-deep-page", routeId: "routes/records+/_index", path: `/records?after=${after}`, check: fullPage },
      { name: "explorer-filtered", routeId: "routes/records+/_index", path: `/records?tenant=${heavy}&model=claude-sonnet-4&${month}`, check: fullPage },
      { name: "explorer-by-cost", routeId: "routes/records+/_index", path: `/records?sort=cost_desc`, check: fullPage },
      { name: "tenant-records-first-page", routeId: "routes/t+/$tenantSlug+/records+/_index", path: `/t/${heavy}/records`, params: { tenantSlug: heavy }, check: fullPage },
      { name: "overview", routeId: "routes/admin+/_index", path: "/admin", check: (d) => { if (!d?.topTenants?.length) throw new Error("overview without tenants"); } },
      { name: "cost-optimization", routeId: "routes/cost-optimization+/_index", path: "/cost-optimization", check: (d) => { if (!d?.rows?.length) throw new Error("no TTL advice"); } },
    ];
    const timings: Timing[] = [];
    for (const call of calls) {
      note(`timing ${call.name} (${o.warmup} warm-up + ${o.iterations} calls)`);
      timings.push(await timeLoader(build, cookie, call, o));
    }
    note(`exporting ${heavy}'s records of ${day(monthStart).slice(0, 7)} as CSV`);
    const csv = await csvThroughput(build, cookie, `/records/export.csv?tenant=${heavy}&${month}`);
    const { rows: expected } = await pool.query(
      `SELECT count(*)::int AS n FROM cost_records r JOIN tenants t ON t.id = r.tenant_id
       WHERE t.slug = $1 AND r.occurred_at >= $2 AND r.occurred_at < $3::timestamptz + interval '1 day'`,
      [heavy, monthStart, monthEnd],
    );
    if (csv.rows !== expected[0].n) throw new Error(`the CSV export has ${csv.rows} rows, the filter matches ${expected[0].n}`);

    const width = Math.max(...timings.map((t) => t.name.length));
    console.log(`\n${o.records.toLocaleString("en-US")} cost records, ${TENANTS} tenants (${heavy}: ${heavyCount[0].n.toLocaleString("en-US")}), ${DAYS} days; loaded in ${loadSeconds.toFixed(0)} s; analysis job ${analysisSeconds.toFixed(1)} s`);
    console.log(`${"loader".padEnd(width)}   p50 ms   p95 ms   max ms   target p95 ≤ ${TARGET_P95_MS} ms`);
    for (const t of timings) {
      const ok = t.p95Ms <= TARGET_P95_MS ? "met" : "MISSED";
      console.log(`${t.name.padEnd(width)} ${t.p50Ms.toFixed(1).padStart(8)} ${t.p95Ms.toFixed(1).padStart(8)} ${t.maxMs.toFixed(1).padStart(8)}   ${ok}`);
    }
    console.log(`CSV export: ${csv.rows.toLocaleString("en-US")} rows at ${csv.rowsPerSec.toLocaleString("en-US")} rows/s\n`);
    console.log(JSON.stringify({ records: o.records, loaders: timings, csvExportRowsPerSec: csv.rowsPerSec, csvExportRows: csv.rows, loadSeconds: Math.round(loadSeconds), analysisSeconds: Math.round(analysisSeconds * 10) / 10 }));
    return timings.some((t) => t.p95Ms > TARGET_P95_MS) ? 1 : 0;
  } finally {
    await pool.end();
    await db.close();
  }
}

// Exit 2 when the run fails (1 means a loader over its target).
runCli({ name: "bench:dashboards", help: HELP, parse, run, failureCode: 2 });
