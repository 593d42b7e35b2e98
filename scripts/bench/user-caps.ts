// `npm run bench:user-caps`: "users at or near their default cap" (ADR 0016) at scale. Loads N
// cost records over 1,000 tenants with U end users (the generator of bench:dashboards) into a
// fresh database, gives every end user who spent in the last 30 days a row under a platform-wide
// default (all resources, month) and under their tenant's default (LLM, month), with limits set
// so that a few percent are at ≥ 80% (the 97th percentile of spend ÷ 0.8), a few holds open and
// 0.5% of users overriding their tenant's default with a quota of their own. Then measures:
// - the near-cap read (the SQL of app/services/near-cap.page.server.ts): platform-wide, one heavy
//   and one typical tenant as the tenant-scoped (row-level security) role, and one default's
//   figures, EXPLAIN (ANALYZE, BUFFERS) median of --runs, with the `near` index and without it
//   (dropped inside a rolled-back transaction), and checks both give the same answer as a full
//   scan of the figures;
// - the service function the tenant page and the explorer call (wall time, median);
// - storage: the per-user rows' table and index bytes (the difference they made), per user;
// - the write path: N single-row updates of per-user rows (a plpgsql loop, one UPDATE each) with
//   the near trigger, without it, and with an index on the figures instead (the design the flag
//   avoids), with the share of HOT updates; and shared (tenant) rows' updates under each.
// Progress on stderr; a table and one JSON line (last) on stdout. A program, never a timed test.
import pg from "pg";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { nearCapQuery, usersNearDefaultCap, type NearCapScope } from "../../app/services/near-cap.page.server.ts";
import { positive, readArgs, runCli } from "./cli.ts";
import { openBenchDatabase } from "./database.ts";
import { createTenants, loadCostRecords, TENANTS } from "./dashboards/load.ts";
import { Progress } from "./progress.ts";
import { explain, round, withoutNearIndex, writePath, type Explained } from "./user-caps-measure.ts";

const HELP = `npm run bench:user-caps -- [--records N] [--users N] [--runs N] [--updates N] [--keep-db]

  --records N   cost records to load (default 5000000), over ${TENANTS} tenants and 120 days
  --users N     end users in all (default 100000; a multiple of ${TENANTS})
  --runs N      timed runs of each query (default 7, after 1 warm-up)
  --updates N   per-user row updates per write-path variant (default 20000)
  --keep-db     keep the database (and embedded server data) for inspection

DATABASE_URL set: a new database on that server (dropped at the end); else an embedded server.`;

function parse(argv: string[]) {
  const { flags, given } = readArgs(argv, { flags: ["help", "keep-db"], values: ["records", "users", "runs", "updates"] });
  if (flags.has("help")) return "help" as const;
  const count = (name: string, fallback: number) => (given.has(name) ? positive(`--${name}`, given.get(name)!, true) : fallback);
  const users = count("users", 100_000);
  return { records: count("records", 5_000_000), usersPerTenant: Math.max(1, Math.round(users / TENANTS)), runs: count("runs", 7), updates: count("updates", 20_000), keep: flags.has("keep-db") };
}

const progress = new Progress(1);
const note = (m: string) => progress.note(`user-caps: ${new Date().toISOString().slice(11, 19)} ${m}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per-user rows for every end user who spent in the last 30 days, under both defaults; limits so a few % are near. */
async function buildPerUserRows(c: pg.PoolClient, now: Date) {
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  // Each user's spend over the last 30 days stands for this period's (the records cover 120
  // days, and a month that began yesterday would have few users): every active user has a row,
  // the worst case of a month in which all of them came back.
  await c.query(
    `CREATE TEMP TABLE bench_users AS
     SELECT tenant_id, user_id, sum(cost_usd) AS spent, sum(cost_usd) FILTER (WHERE resource = 'llm') AS llm
       FROM cost_records WHERE occurred_at >= $1::timestamptz - interval '30 days' AND user_id IS NOT NULL
      GROUP BY 1, 2`,
    [now],
  );
  const platformLimit = (await c.query(`SELECT round(percentile_cont(0.97) WITHIN GROUP (ORDER BY spent)::numeric / 0.8, 2)::text AS l FROM bench_users`)).rows[0].l as string;
  const platform = (await c.query(
    `INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('each_user', 'all', 'month', $1) RETURNING id`,
    [platformLimit],
  )).rows[0].id as string;
  // Each tenant's default: the 97th percentile of its own users' LLM spend ÷ 0.8 (a uniform limit
  // would put every user of the heaviest tenant over it).
  await c.query(
    `INSERT INTO quotas (scope, tenant_id, resource, period, limit_usd)
     SELECT 'each_user', tenant_id, 'llm', 'month', greatest(0.01, round(percentile_cont(0.97) WITHIN GROUP (ORDER BY coalesce(llm, 0))::numeric / 0.8, 2))
       FROM bench_users GROUP BY tenant_id`,
  );
  // 0.5% of users override their tenant's default with a quota of their own (ADR 0016 rule 3).
  await c.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd)
     SELECT 'user', user_id, tenant_id, 'llm', 'month', 1000 FROM bench_users WHERE hashtext(tenant_id::text || user_id) % 200 = 0`,
  );
  // Shared quotas with this month's rows, as the core would have made them: the platform's, and
  // one per tenant (the templates that give every tenant its quotas are seed data, not here).
  await c.query(`INSERT INTO quotas (scope, resource, period, limit_usd) VALUES ('platform', 'all', 'month', 1000000) ON CONFLICT DO NOTHING`);
  await c.query(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd)
     SELECT 'tenant', id::text, id, 'all', 'month', 10000 FROM tenants ON CONFLICT DO NOTHING`,
  );
  await c.query(
    `INSERT INTO quota_usage (quota_id, period_start, spent_usd)
     SELECT q.id, $1::timestamptz, 1 FROM quotas q WHERE q.scope IN ('platform', 'tenant') ON CONFLICT DO NOTHING`,
    [month],
  );
  await c.query(`VACUUM quota_usage`);
  const before = await sizes(c);
  // 1% of users have a hold open (a tenth of their limit); the insert trigger sets `near`.
  await c.query(
    `INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id, spent_usd, reserved_usd)
     SELECT $1::uuid, $2::timestamptz, u.user_id, u.tenant_id, u.spent, CASE WHEN hashtext(u.user_id || u.tenant_id::text) % 100 = 7 THEN $3::numeric / 10 ELSE 0 END
       FROM bench_users u
     UNION ALL
     SELECT q.id, $2::timestamptz, u.user_id, u.tenant_id, coalesce(u.llm, 0), CASE WHEN hashtext(u.user_id || u.tenant_id::text) % 100 = 7 THEN q.limit_usd / 10 ELSE 0 END
       FROM bench_users u JOIN quotas q ON q.scope = 'each_user' AND q.tenant_id = u.tenant_id`,
    [platform, month, platformLimit],
  );
  await c.query(`VACUUM ANALYZE quota_usage`);
  await c.query(`ANALYZE quotas`);
  const after = await sizes(c);
  const counts = (await c.query(
    `SELECT count(*) FILTER (WHERE subject <> '')::int AS per_user, count(*) FILTER (WHERE subject = '')::int AS shared,
            count(*) FILTER (WHERE near)::int AS near, (SELECT count(*)::int FROM bench_users) AS users
       FROM quota_usage`,
  )).rows[0];
  const heavy = (await c.query(`SELECT id FROM tenants WHERE slug = 'tenant-0001'`)).rows[0].id as string;
  const typical = (await c.query(`SELECT id FROM tenants WHERE slug = 'tenant-0500'`)).rows[0].id as string;
  return { platform, platformLimit, heavy, typical, counts, before, after };
}

async function sizes(c: pg.PoolClient) {
  const { rows } = await c.query(
    `SELECT pg_relation_size('quota_usage')::bigint AS heap, pg_indexes_size('quota_usage')::bigint AS indexes,
            coalesce(pg_relation_size(to_regclass('quota_usage_near_idx')), 0)::bigint AS near_index,
            json_object_agg(indexrelid::regclass::text, pg_relation_size(indexrelid)) AS each
       FROM pg_index WHERE indrelid = 'quota_usage'::regclass`,
  );
  const r = rows[0];
  return { heap: Number(r.heap), indexes: Number(r.indexes), nearIndex: Number(r.near_index), each: r.each as Record<string, number> };
}

/** How many users are near platform-wide without the flag: the same query with `AND u.near` removed (the check). */
async function bruteForceCount(c: pg.PoolClient, now: Date) {
  const q = nearCapQuery({ kind: "platform" }, now, { list: 1 });
  const text = q.text.replace("AND u.near\n", "\n");
  if (text === q.text) throw new Error("bench: the near-cap query no longer has the `AND u.near` condition this check removes");
  const { rows } = await c.query(text, q.values);
  return rows[0]?.near_all ?? 0;
}

async function run(o: Exclude<ReturnType<typeof parse>, "help">): Promise<number> {
  const now = new Date();
  const db = await openBenchDatabase({
    databaseUrl: process.env.DATABASE_URL,
    keep: o.keep,
    progress: note,
    // Durability off: a read and storage benchmark; the write-path variants are compared under the same settings.
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off", maintenance_work_mem: "256MB", max_wal_size: "4GB" },
  });
  const pool = new pg.Pool({ ...poolConfig(db.url), max: 2 });
  pool.on("error", () => {});
  const c = await pool.connect();
  try {
    await c.query(`SET TIME ZONE 'UTC'`);
    note(`${await db.describe()}; ${TENANTS} tenants × ${o.usersPerTenant} end users`);
    const t0 = Date.now();
    await createTenants(c);
    await loadCostRecords(
      c,
      o.records,
      now,
      { note, loaded: (done) => note(`loaded ${done.toLocaleString("en-US")} / ${o.records.toLocaleString("en-US")} cost records (${((Date.now() - t0) / 1000).toFixed(0)} s)`) },
      o.usersPerTenant,
    );
    note("building per-user rows under a platform default and every tenant's default");
    const built = await buildPerUserRows(c, now);
    const loadSeconds = (Date.now() - t0) / 1000;
    note(`${built.counts.users.toLocaleString("en-US")} active end users: ${built.counts.per_user.toLocaleString("en-US")} per-user rows (${built.counts.near.toLocaleString("en-US")} flagged near), ${built.counts.shared} shared rows; ${loadSeconds.toFixed(0)} s`);

    const tenant = (tenantId: string): NearCapScope => ({ kind: "tenant", tenantId });
    const platform: NearCapScope = { kind: "platform" };
    // `as`: who runs it — the owner (staff reads), or the tenant-scoped role under row-level security.
    const scopes: { name: string; as: NearCapScope; what: string; query: { text: string; values: unknown[] } }[] = [
      { name: "platform-list", as: platform, what: "every tenant, both defaults, 50 fullest + counts (staff explorer)", query: nearCapQuery(platform, now, { list: 50 }) },
      { name: "heavy-tenant-list", as: tenant(built.heavy), what: "tenant-0001 (largest) as the tenant role: its own default (tenant page, its explorer)", query: nearCapQuery(tenant(built.heavy), now, { list: 50 }) },
      { name: "typical-tenant-list", as: tenant(built.typical), what: "tenant-0500 as the tenant role", query: nearCapQuery(tenant(built.typical), now, { list: 50 }) },
      {
        name: "tenant-both-defaults",
        as: platform,
        what: "tenant-0001's users under its default AND the platform's (what a tenant read covers once RLS lets it see the platform default's rows)",
        query: nearCapQuery(tenant(built.heavy), now, { list: 50 }),
      },
      { name: "platform-default-figures", as: platform, what: "the platform default's counts and 10 fullest (its quota page)", query: nearCapQuery(platform, now, { figures: 10, quotaId: built.platform }) },
      { name: "all-defaults-figures", as: platform, what: "every default's counts and fullest user (the staff quotas list)", query: nearCapQuery(platform, now, { figures: 1 }) },
    ];
    const queries: Record<string, unknown>[] = [];
    const plans: string[] = [];
    for (const s of scopes) {
      note(`${s.name}: with the near index`);
      const withIndex = await explain(c, s.as, s.query, o.runs);
      note(`${s.name}: without it`);
      const without = await withoutNearIndex(c, () => explain(c, s.as, s.query, o.runs, true));
      const strip = ({ plan, ...rest }: Explained) => ({ ...rest, executionMs: round(rest.executionMs), planningMs: round(rest.planningMs) });
      queries.push({ query: s.name, what: s.what, withIndex: strip(withIndex), withoutIndex: strip(without) });
      plans.push(`### ${s.name} with the near index\n${withIndex.plan}\n\n### ${s.name} without it\n${without.plan}\n`);
    }

    // The same answer as a scan of every row's figures (the flag is exact, not only fast).
    note("checking the flag against a full scan of the figures");
    const listed = nearCapQuery(platform, now, { list: 1 });
    const check = {
      platformNear: (await c.query(listed.text, listed.values)).rows[0]?.near_all ?? 0,
      platformNearByScan: await bruteForceCount(c, now),
    };

    // The service function as the pages call it (its own pools, the tenant's read under RLS).
    process.env.DATABASE_URL = db.url;
    const serviceMs: Record<string, number> = {};
    for (const [name, scope] of [["platform", platform], ["heavy-tenant", tenant(built.heavy)]] as const) {
      await usersNearDefaultCap(scope, { now });
      const times: number[] = [];
      for (let i = 0; i < o.runs; i++) {
        const t = performance.now();
        await usersNearDefaultCap(scope, { now });
        times.push(performance.now() - t);
      }
      serviceMs[name] = round(median(times));
    }
    const { disconnectDb } = await import("../../app/db/client.server.ts");
    await disconnectDb();

    // A limit edit of the platform default (100 k rows this period): the refresh trigger rewrites
    // the flags that change, in the editing transaction. +10% and −10%, rolled back.
    note("limit edits of the platform default");
    const limitEdits = [];
    for (const factor of ["1.1", "0.9"]) {
      await c.query("BEGIN");
      try {
        const before = (await c.query(`SELECT count(*)::int AS n FROM quota_usage WHERE quota_id = $1 AND near`, [built.platform])).rows[0].n as number;
        const t = performance.now();
        await c.query(`UPDATE quotas SET limit_usd = limit_usd * $2::numeric WHERE id = $1`, [built.platform, factor]);
        const ms = performance.now() - t;
        const after = (await c.query(`SELECT count(*)::int AS n FROM quota_usage WHERE quota_id = $1 AND near`, [built.platform])).rows[0].n as number;
        limitEdits.push({ factor: Number(factor), ms: round(ms), nearBefore: before, nearAfter: after });
      } finally {
        await c.query("ROLLBACK");
      }
    }
    await c.query("VACUUM quota_usage");

    note("write path: per-user and shared row updates under each variant");
    const writes = [];
    for (const rowsOf of ["per-user", "shared"] as const) {
      for (const variant of ["near-trigger", "no-trigger", "figures-index"] as const) {
        // Shared rows: a quarter of them, so each page's share of the updates fits its free space
        // (fillfactor 70) — all in one transaction nothing can be pruned, unlike the hot path's
        // many transactions, and more would measure page space, not the indexes.
        const n = rowsOf === "shared" ? Math.min(o.updates, Math.floor(built.counts.shared / 4)) : o.updates;
        const times = [];
        for (let i = 0; i < 3; i++) times.push(await writePath(c, variant, rowsOf, n));
        writes.push(times.sort((a, b) => a.ms - b.ms)[1]);
      }
    }

    const perUserHeap = built.after.heap - built.before.heap;
    const perUserIndexes = built.after.indexes - built.before.indexes;
    const storage = {
      perUserRows: built.counts.per_user,
      activeUsers: built.counts.users,
      nearRows: built.counts.near,
      tableBytes: built.after.heap,
      indexBytes: built.after.indexes,
      nearIndexBytes: built.after.nearIndex,
      perUserTableBytes: perUserHeap,
      perUserIndexBytes: perUserIndexes,
      bytesPerUser: Math.round((perUserHeap + perUserIndexes) / built.counts.users),
      bytesPerRow: Math.round((perUserHeap + perUserIndexes) / built.counts.per_user),
      indexes: built.after.each,
    };

    console.log(plans.join("\n"));
    console.log(`\n${o.records.toLocaleString("en-US")} cost records, ${storage.activeUsers.toLocaleString("en-US")} end users, ${storage.perUserRows.toLocaleString("en-US")} per-user rows (${storage.nearRows} near); load ${loadSeconds.toFixed(0)} s`);
    console.log(`| query | index | exec ms | buffers | quota_usage rows read | rows |`);
    for (const q of queries as any[]) {
      for (const [label, m] of [["near index", q.withIndex], ["none", q.withoutIndex]] as const) {
        console.log(`| ${q.query} | ${label} | ${m.executionMs} | ${m.buffers} | ${m.usageRowsRead} | ${m.rows} |`);
      }
    }
    console.log(`service (median of ${o.runs}): ${Object.entries(serviceMs).map(([k, v]) => `${k} ${v} ms`).join(", ")}`);
    console.log(`storage: per-user rows ${perUserHeap} B table + ${perUserIndexes} B indexes = ${storage.bytesPerUser} B per user (${storage.bytesPerRow} B per row); near index ${storage.nearIndexBytes} B`);
    console.log(`limit edit of the platform default: ${limitEdits.map((e) => `×${e.factor} ${e.ms} ms (near ${e.nearBefore} → ${e.nearAfter})`).join(", ")}`);
    console.log(`| rows | variant | updates | ms | µs/update | HOT % |`);
    for (const w of writes) console.log(`| ${w.rows} | ${w.variant} | ${w.updates} | ${w.ms} | ${w.usPerUpdate} | ${w.hotPercent} |`);
    const ok = check.platformNear === check.platformNearByScan;
    if (!ok) note(`MISMATCH: the near index finds ${check.platformNear} users, a full scan ${check.platformNearByScan}`);
    console.log(JSON.stringify({ records: o.records, users: storage.activeUsers, loadSeconds: Math.round(loadSeconds), queries, serviceMs, storage, limitEdits, writes, check: { ...check, ok } }));
    return ok ? 0 : 1;
  } finally {
    c.release();
    await pool.end();
    await db.close();
  }
}

runCli({ name: "bench:user-caps", help: HELP, parse, run });
