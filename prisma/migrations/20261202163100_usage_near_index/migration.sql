-- The rows past 80% of a per-user default (the flag of 20261202163000), per default, period and
-- tenant: the panel's "users at or near their default cap" reads only these. Partial, so it holds
-- only those rows, and its columns never change on the hot path (HOT updates survive).
-- CONCURRENTLY: see 20261123120000_cost_records_cost_order_index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "quota_usage_near_idx" ON "quota_usage"("quota_id", "period_start", "subject_tenant_id") WHERE "near";
