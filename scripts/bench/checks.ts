// Correctness checks the benchmark runs on tollgate's own tables after its cells: nothing over
// a hard limit, the shared platform row moved by exactly the settled amount (a lost update
// between processes would show here), and reconcile() clean.
import type pg from "pg";
import { createTollgate, money, type Money } from "../../app/core/index.ts";

export interface PlatformUsage {
  spent: Money;
  reserved: Money;
}

/** The platform LLM row of the current month: every operation of every workload passes through it. */
export async function platformUsage(pool: pg.Pool): Promise<PlatformUsage> {
  const { rows } = await pool.query(
    `SELECT u.spent_usd::text AS spent, u.reserved_usd::text AS reserved
       FROM quota_usage_current u JOIN quotas q ON q.id = u.quota_id
      WHERE q.scope = 'platform' AND q.resource = 'llm' AND q.period = 'month'
      ORDER BY u.period_start DESC LIMIT 1`,
  );
  return { spent: money(rows[0]?.spent ?? 0), reserved: money(rows[0]?.reserved ?? 0) };
}

/** Sum over every enabled hard quota row of max(0, spent + reserved - limit). */
export async function overLimitUsd(pool: pg.Pool): Promise<Money> {
  const { rows } = await pool.query(
    `SELECT coalesce(sum(greatest(0, u.spent_usd + u.reserved_usd - q.limit_usd)), 0)::text AS over
       FROM quota_usage_current u JOIN quotas q ON q.id = u.quota_id
      WHERE q.enabled AND q.enforcement = 'hard'`,
  );
  return money(rows[0].over);
}

/**
 * After a timed tollgate cell: the platform row's spent grew by exactly allowed × amount and its
 * reserved is back where it was (every hold settled). Returns the failures, empty when exact.
 * This assumes settle writes the usage rows before it returns (ADR 0003); a core that defers
 * them (leases, batching) must flush before the bench reads, or this check must learn how.
 */
export function ledgerFailures(before: PlatformUsage, after: PlatformUsage, allowedOps: number, amountUsd: string): string[] {
  const expected = money(amountUsd).mul(allowedOps);
  const failures: string[] = [];
  const grew = after.spent.sub(before.spent);
  if (!grew.eq(expected)) failures.push(`platform spent grew by $${grew.toFixed()} for ${allowedOps} settled ops (expected $${expected.toFixed()})`);
  if (!after.reserved.eq(before.reserved)) failures.push(`platform reserved moved by $${after.reserved.sub(before.reserved).toFixed()}`);
  return failures;
}

export async function reconcileFailures(pool: pg.Pool): Promise<string[]> {
  const r = await createTollgate({ pool }).reconcile();
  return r.mismatches.slice(0, 3).map(
    (m) => `reconcile: ${m.scope} row ${m.usageId} spent ${m.spentUsd} vs recorded ${m.recordedUsd}, reserved ${m.reservedUsd} vs held ${m.heldUsd}`,
  );
}
