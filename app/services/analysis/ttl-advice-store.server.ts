// Stored sandbox TTL advice: the analysis job computes it (ttl-advice.server.ts) and replaces the
// stored run with it; the cost-optimization and tenant pages read the stored rows, so a view
// costs an indexed read of at most tenants × touchpoints rows instead of a pass over every
// sandbox run of 30 days. The price is staleness: advice is as old as the last run (shown).
import type pg from "pg";
import { dbPool } from "~/db/client.server.ts";
import { scopedRead } from "./scoped-read.server.ts";
import type { Queryable } from "./spend-series.server.ts";
import type { TtlAdviceRow } from "./ttl-advice.server.ts";

export interface StoredTtlAdvice {
  /** When the advice was computed and the sandbox runs it covers; null: not computed yet. */
  computed: { at: string; windowFrom: string; windowTo: string } | null;
  /** Biggest saving first, then tenant slug and touchpoint. */
  rows: TtlAdviceRow[];
}

/**
 * Replaces the stored advice with one run's: the previous run goes (its rows by cascade) and the
 * new one is written. Call inside the caller's transaction, so readers see either the whole old
 * run or the whole new one. A row the table's rules reject (migration 20261124000000_ttl_advice)
 * throws, and the caller's rollback keeps the old run.
 */
export async function replaceTtlAdvice(
  tx: Queryable,
  rows: TtlAdviceRow[],
  run: { computedAt: Date; windowFrom: Date; windowTo: Date },
): Promise<void> {
  await tx.query(`DELETE FROM ttl_advice_runs`);
  const { rows: inserted } = await tx.query(
    `INSERT INTO ttl_advice_runs (computed_at, window_from, window_to) VALUES ($1, $2, $3) RETURNING id`,
    [run.computedAt, run.windowFrom, run.windowTo],
  );
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO ttl_advice (run_id, tenant_id, touchpoint, runs, billed_seconds, active_seconds, idle_seconds,
                             current_ttl_seconds, recommended_ttl_seconds, sandbox_cost_usd, projected_monthly_saving_usd)
     SELECT $1::bigint, * FROM unnest($2::uuid[], $3::text[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::int[], $9::int[],
                              $10::numeric[], $11::numeric[])`,
    [
      inserted[0].id,
      rows.map((r) => r.tenantId),
      rows.map((r) => r.touchpoint ?? ""),
      rows.map((r) => r.runs),
      rows.map((r) => r.billedSeconds),
      rows.map((r) => r.activeSeconds),
      rows.map((r) => r.idleSeconds),
      rows.map((r) => r.currentTtlSeconds),
      rows.map((r) => r.recommendedTtlSeconds),
      rows.map((r) => r.sandboxCostUsd),
      rows.map((r) => r.projectedMonthlySavingUsd),
    ],
  );
}

/**
 * The stored advice: all tenants, one tenant by id (read as that tenant, under row-level
 * security: the tenant page) or by slug (a staff filter; an unknown slug matches no rows). One
 * statement, so the run and its rows come from one snapshot even while the job replaces them.
 */
export async function listTtlAdvice(opts: { tenantId?: string; tenantSlug?: string; pool?: pg.Pool } = {}): Promise<StoredTtlAdvice> {
  const rows = await scopedRead(
    opts.pool ?? dbPool(),
    opts.tenantId,
    `SELECT r.computed_at, r.window_from, r.window_to, a.tenant_id, t.slug, t.name, a.touchpoint, a.runs, a.billed_seconds,
            a.active_seconds, a.idle_seconds, a.current_ttl_seconds, a.recommended_ttl_seconds,
            a.sandbox_cost_usd::text AS cost, a.projected_monthly_saving_usd::text AS saving
       FROM (SELECT id, computed_at, window_from, window_to FROM ttl_advice_runs ORDER BY id DESC LIMIT 1) r
       LEFT JOIN (ttl_advice a JOIN tenants t ON t.id = a.tenant_id)
              ON a.run_id = r.id AND ($1::uuid IS NULL OR a.tenant_id = $1::uuid) AND ($2::text IS NULL OR t.slug = $2::text)
      ORDER BY a.projected_monthly_saving_usd DESC, t.slug COLLATE "C", a.touchpoint COLLATE "C"`,
    [opts.tenantId ?? null, opts.tenantSlug ?? null],
  );
  if (rows.length === 0) return { computed: null, rows: [] };
  const r0 = rows[0];
  return {
    computed: { at: iso(r0.computed_at), windowFrom: iso(r0.window_from), windowTo: iso(r0.window_to) },
    rows: rows
      .filter((r) => r.tenant_id !== null)
      .map((r) => ({
        tenantId: r.tenant_id,
        tenantSlug: r.slug,
        tenantName: r.name,
        touchpoint: r.touchpoint === "" ? null : r.touchpoint,
        runs: r.runs,
        billedSeconds: r.billed_seconds,
        activeSeconds: r.active_seconds,
        idleSeconds: r.idle_seconds,
        currentTtlSeconds: r.current_ttl_seconds,
        recommendedTtlSeconds: r.recommended_ttl_seconds,
        sandboxCostUsd: r.cost,
        projectedMonthlySavingUsd: r.saving,
      })),
  };
}

const iso = (d: Date) => new Date(d).toISOString();
