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
 * A per-user default (ADR 0016) gets one row per end user who spent in the period (a tenant's
 * default not for users whose own quota overrides it). Existing holds (reserved_usd) are left alone.
 */
export async function buildQuotaUsage(sql: Sql, now: Date): Promise<number> {
  return sql.$executeRawUnsafe(
    `
    WITH current_period AS (
      SELECT q.*, date_trunc(q.period::text, $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start
        FROM quotas q
       WHERE q.enabled
    ),
    per_user AS (
      SELECT q.id, q.period_start, c.tenant_id AS subject_tenant_id, c.user_id AS subject, sum(c.cost_usd) AS spent
        FROM current_period q
        JOIN cost_records c ON c.occurred_at >= q.period_start
                           AND c.occurred_at < q.period_start + ('1 ' || q.period::text)::interval
                           AND (q.resource = 'all' OR c.resource = q.resource)
                           AND (q.tenant_id IS NULL OR c.tenant_id = q.tenant_id)
                           AND coalesce(c.user_id, '') <> ''
       WHERE q.scope = 'each_user'
         AND NOT (q.tenant_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM quotas o WHERE o.scope = 'user' AND o.tenant_id = c.tenant_id AND o.scope_id = c.user_id
                  AND o.resource = q.resource AND o.period = q.period AND o.enabled))
       GROUP BY 1, 2, 3, 4
    )
    INSERT INTO quota_usage (quota_id, period_start, subject, subject_tenant_id, spent_usd, reserved_usd)
    SELECT q.id, q.period_start, '', NULL,
           coalesce((SELECT sum(c.cost_usd) FROM cost_records c
                      WHERE c.occurred_at >= q.period_start
                        AND c.occurred_at < q.period_start + ('1 ' || q.period::text)::interval
                        AND (q.resource = 'all' OR c.resource = q.resource)
                        AND (q.scope = 'platform'
                             OR (q.scope = 'tenant' AND c.tenant_id = q.tenant_id)
                             OR (q.scope = 'user' AND c.tenant_id = q.tenant_id AND c.user_id = q.scope_id))), 0),
           0
      FROM current_period q
     WHERE q.scope <> 'each_user'
    UNION ALL
    SELECT id, period_start, subject, subject_tenant_id, spent, 0 FROM per_user
    ON CONFLICT (quota_id, period_start, subject, subject_tenant_id) DO UPDATE SET spent_usd = EXCLUDED.spent_usd, updated_at = now()`,
    now.toISOString(),
  );
}
