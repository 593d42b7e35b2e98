// bench:user-caps' measurements: EXPLAIN (ANALYZE, BUFFERS) of a near-cap read as staff or as a
// tenant's row-level-security role (with the near index, or with it dropped in a transaction that
// is rolled back), and the write path's single-row updates under the near trigger, without it,
// or with an index on the figures instead, with their share of HOT updates.
import pg from "pg";
import type { NearCapScope } from "../../app/services/near-cap.page.server.ts";

export const round = (x: number) => Math.round(x * 1000) / 1000;

export interface Explained {
  executionMs: number;
  planningMs: number;
  /** Shared buffers hit + read by the whole plan. */
  buffers: number;
  /** Rows the scans of quota_usage returned plus those their filters removed. */
  usageRowsRead: number;
  rows: number;
  plan: string;
}

/** Every node of a JSON plan. */
function nodes(n: any): any[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

/** EXPLAIN (ANALYZE, BUFFERS) `runs` times after a warm-up, as `scope` would run it (the tenant role for a tenant). */
export async function explain(c: pg.PoolClient, scope: NearCapScope, q: { text: string; values: unknown[] }, runs: number, inTransaction = false): Promise<Explained> {
  const once = async (format: "JSON" | "TEXT") => {
    // Inside withoutNearIndex's transaction: a savepoint (a ROLLBACK would bring the index back).
    await c.query(inTransaction ? "SAVEPOINT explained" : "BEGIN READ ONLY");
    try {
      if (scope.kind === "tenant") {
        await c.query("SET LOCAL ROLE tollgate_tenant");
        await c.query("SELECT set_config('app.tenant_id', $1, true)", [scope.tenantId]);
      }
      return (await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT ${format}) ${q.text}`, q.values)).rows;
    } finally {
      await c.query(inTransaction ? "ROLLBACK TO SAVEPOINT explained" : "ROLLBACK");
    }
  };
  await once("JSON");
  const results: Explained[] = [];
  for (let i = 0; i < runs; i++) {
    const top = (await once("JSON"))[0]["QUERY PLAN"][0];
    const all = nodes(top.Plan);
    const usage = all.filter((n) => n["Relation Name"] === "quota_usage");
    results.push({
      executionMs: top["Execution Time"],
      planningMs: top["Planning Time"],
      buffers: top.Plan["Shared Hit Blocks"] + top.Plan["Shared Read Blocks"],
      usageRowsRead: usage.reduce((s, n) => s + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0) + (n["Rows Removed by Index Recheck"] ?? 0)) * n["Actual Loops"], 0),
      rows: top.Plan["Actual Rows"],
      plan: "",
    });
  }
  const mid = results.sort((a, b) => a.executionMs - b.executionMs)[Math.floor(results.length / 2)];
  mid.plan = (await once("TEXT")).map((r) => r["QUERY PLAN"]).join("\n");
  return mid;
}

/** Runs fn with the near index dropped (in a transaction that is rolled back: the index comes back). */
export async function withoutNearIndex<T>(c: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await c.query("BEGIN");
  try {
    await c.query("DROP INDEX quota_usage_near_idx");
    return await fn();
  } finally {
    await c.query("ROLLBACK");
  }
}

type Variant = "near-trigger" | "no-trigger" | "figures-index";

/** `updates` single-row UPDATEs (a plpgsql loop) of per-user or shared rows: ms and HOT share. Rolled back. */
export async function writePath(c: pg.PoolClient, variant: Variant, rowsOf: "per-user" | "shared", updates: number) {
  await c.query("BEGIN");
  try {
    if (variant === "no-trigger") await c.query("ALTER TABLE quota_usage DISABLE TRIGGER quota_usage_near_update");
    if (variant === "figures-index") {
      // The alternative the flag avoids: the figures in an index (partial, per-user rows only).
      await c.query("ALTER TABLE quota_usage DISABLE TRIGGER quota_usage_near_update");
      await c.query("DROP INDEX quota_usage_near_idx");
      await c.query(`CREATE INDEX bench_figures_idx ON quota_usage (quota_id, period_start, (spent_usd + reserved_usd)) WHERE subject <> ''`);
    }
    const ids = (await c.query(
      `SELECT array_agg(id) AS ids FROM (SELECT id FROM quota_usage WHERE ${rowsOf === "per-user" ? "subject <> ''" : "subject = ''"} ORDER BY hashtext(id::text) LIMIT $1) x`,
      [updates],
    )).rows[0].ids as string[];
    const counters = async () =>
      (await c.query(`SELECT pg_stat_get_xact_tuples_updated('quota_usage'::regclass)::int AS upd, pg_stat_get_xact_tuples_hot_updated('quota_usage'::regclass)::int AS hot`)).rows[0];
    const before = await counters(); // the backend's pending counters may hold earlier transactions' counts
    const t0 = performance.now();
    // A tiny amount: almost no row crosses the line, as on the hot path.
    await c.query(
      `DO $$ DECLARE r uuid; BEGIN FOREACH r IN ARRAY ${pg.escapeLiteral(`{${ids.join(",")}}`)}::uuid[] LOOP
         UPDATE quota_usage SET reserved_usd = reserved_usd + 0.000001, updated_at = now() WHERE id = r; END LOOP; END $$`,
    );
    const ms = performance.now() - t0;
    const after = await counters();
    const hotPercent = round(((after.hot - before.hot) / (after.upd - before.upd)) * 100);
    return { variant, rows: rowsOf, updates: ids.length, ms: round(ms), usPerUpdate: round((ms * 1000) / ids.length), hotPercent };
  } finally {
    await c.query("ROLLBACK");
    await c.query("VACUUM quota_usage");
  }
}

