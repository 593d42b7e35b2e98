// Pruning old periods' per-user rows (ADR 0016). A per-user default keeps one quota_usage row per
// end user and period; nothing else ever deletes them, so without this the table grows by the
// number of active users every period. The analysis run calls it (once per interval across
// instances, under the job's lock); `npm run analyze` does too.
//
// What goes: per-user rows (subject <> '') whose period started before the current one minus
// `keepPeriods` periods of their default's own length (day, week, month). What stays: every
// row of the current period (the cutoff is never after its start), every shared row (platform,
// tenant and user quotas: one per period, small), and any row an open hold still names
// (reservations.usage_ids of status held: its settle or expiry must find it to release it).
// The cost records and rollups are the truth and are not touched, so reconcile() stays clean:
// it checks the rows that exist, and a decision that needs a pruned period again (a late settle,
// a backfill) re-creates the row from the rollups like any first use.
//
// In batches of `batchSize` rows, each one statement in its own transaction: locks are held for
// one batch only, WAL is written in small pieces, and rows a concurrent late settle holds are
// skipped (SKIP LOCKED) for the next run instead of waited for.
import type { Queryable } from "~/db/rows.ts";
import { rows } from "~/db/rows.ts";

export const PRUNE_BATCH_ROWS = 2000;

export interface PruneOptions {
  now?: Date;
  /** Periods kept before the current one (USER_USAGE_KEEP_PERIODS, default 1). */
  keepPeriods: number;
  batchSize?: number;
  progress?: (message: string) => void;
}

export interface PruneSummary {
  /** Rows deleted. */
  deleted: number;
  batches: number;
  /** Old rows left in place: named by an open hold, or locked by a settle at that moment. */
  kept: number;
  durationMs: number;
}

interface Default {
  id: string;
  period: string;
  cutoff: Date;
}

export async function pruneUserUsage(q: Queryable, opts: PruneOptions): Promise<PruneSummary> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const batchSize = opts.batchSize ?? PRUNE_BATCH_ROWS;
  const progress = opts.progress ?? (() => {});
  const keep = Math.max(0, Math.trunc(opts.keepPeriods));
  // Every per-user default, enabled or not (a disabled one's old rows are as dead), with the start
  // of the oldest period kept: the current period's start, `keep` periods back (UTC, ISO weeks).
  const defaults = await rows<Default>(
    q,
    `SELECT id, period::text AS period,
            (date_trunc(period::text, $1::timestamptz AT TIME ZONE 'UTC') - $2::int * ('1 ' || period::text)::interval) AT TIME ZONE 'UTC' AS cutoff
       FROM quotas WHERE scope = 'each_user' ORDER BY id`,
    [now, keep],
  );
  const summary: PruneSummary = { deleted: 0, batches: 0, kept: 0, durationMs: 0 };
  for (const d of defaults) {
    let deleted = 0;
    for (;;) {
      // The (quota_id, period_start, …) unique index finds the old rows of one default; the held
      // reservations' usage ids are read once per batch into a hashed set (NOT IN over a subquery).
      const r = await q.query(
        `WITH doomed AS MATERIALIZED (
           SELECT u.ctid AS tid FROM quota_usage u
            WHERE u.quota_id = $1 AND u.period_start < $2 AND u.subject <> ''
              AND u.id NOT IN (SELECT unnest(r.usage_ids) FROM reservations r WHERE r.status = 'held')
            LIMIT $3
              FOR UPDATE SKIP LOCKED)
         DELETE FROM quota_usage u WHERE u.ctid = ANY (ARRAY(SELECT tid FROM doomed))`,
        [d.id, d.cutoff, batchSize],
      );
      const n = r.rowCount ?? 0;
      if (n > 0) summary.batches++;
      deleted += n;
      if (n < batchSize) break;
      if (summary.batches % 25 === 0) progress(`per-user usage: ${summary.deleted + deleted} rows deleted so far`);
    }
    const [{ left }] = await rows<{ left: number }>(
      q,
      `SELECT count(*)::int AS left FROM quota_usage WHERE quota_id = $1 AND period_start < $2 AND subject <> ''`,
      [d.id, d.cutoff],
    );
    summary.deleted += deleted;
    summary.kept += left;
  }
  summary.durationMs = Date.now() - started;
  progress(
    `per-user usage: ${summary.deleted} rows deleted in ${summary.batches} batches (${defaults.length} defaults, ${keep} previous period${keep === 1 ? "" : "s"} kept)` +
      (summary.kept ? `, ${summary.kept} old rows kept (named by open holds, or busy)` : ""),
  );
  return summary;
}
