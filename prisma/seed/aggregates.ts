// Derived state, built from cost_records in SQL so it equals the raw sums exactly: the daily
// spend rollups and the current-period QuotaUsage rows the enforcement core locks (its
// reconcile() checks spent = sum of cost records for every row).
import type { Sql } from "./bulk.ts";

/**
 * Rebuilds spend_rollups from every cost record. Recomputing (rather than adding) keeps rows
 * that the core already maintained correct too: a rollup is by definition the raw sum.
 */
export async function buildSpendRollups(sql: Sql): Promise<number> {
  return sql.$executeRawUnsafe(`
    INSERT INTO spend_rollups (day, tenant_id, user_id, resource, provider, model, touchpoint,
                               cost_usd, input_tokens, output_tokens, billed_ms, active_ms, records)
    SELECT (occurred_at AT TIME ZONE 'UTC')::date, tenant_id, coalesce(user_id, ''), resource,
           coalesce(provider, ''), coalesce(model, ''), coalesce(touchpoint, ''),
           sum(cost_usd), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
           coalesce(sum(billed_duration_ms), 0), coalesce(sum(active_duration_ms), 0), count(*)
      FROM cost_records
     GROUP BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (day, tenant_id, user_id, resource, provider, model, touchpoint) DO UPDATE
       SET cost_usd = EXCLUDED.cost_usd, input_tokens = EXCLUDED.input_tokens,
           output_tokens = EXCLUDED.output_tokens, billed_ms = EXCLUDED.billed_ms,
           active_ms = EXCLUDED.active_ms, records = EXCLUDED.records`);
}

/**
 * One QuotaUsage row per enabled quota for the UTC period containing `now` (day, ISO week from
 * Monday, month), spent = the cost records of that period in the quota's scope and resource.
 * Existing holds (reserved_usd) are left alone.
 */
export async function buildQuotaUsage(sql: Sql, now: Date): Promise<number> {
  return sql.$executeRawUnsafe(
    `
    WITH current_period AS (
      SELECT q.*, date_trunc(q.period::text, $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start
        FROM quotas q
       WHERE q.enabled
    )
    INSERT INTO quota_usage (quota_id, period_start, spent_usd, reserved_usd)
    SELECT q.id, q.period_start,
           coalesce((SELECT sum(c.cost_usd) FROM cost_records c
                      WHERE c.occurred_at >= q.period_start
                        AND c.occurred_at < q.period_start + ('1 ' || q.period::text)::interval
                        AND (q.resource = 'all' OR c.resource = q.resource)
                        AND (q.scope = 'platform'
                             OR (q.scope = 'tenant' AND c.tenant_id = q.tenant_id)
                             OR (q.scope = 'user' AND c.tenant_id = q.tenant_id AND c.user_id = q.scope_id))), 0),
           0
      FROM current_period q
    ON CONFLICT (quota_id, period_start) DO UPDATE SET spent_usd = EXCLUDED.spent_usd, updated_at = now()`,
    now.toISOString(),
  );
}
