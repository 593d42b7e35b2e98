-- A per-user row created mid-period starts from the user's spend so far in that period
-- (SPEC §3), summed from the rollups by (tenant, user, day). Without this index that sum read
-- every rollup of the tenant's period (the unique key starts with the day), once per new user.
-- CONCURRENTLY: see 20261123120000_cost_records_cost_order_index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "spend_rollups_tenant_id_user_id_day_idx" ON "spend_rollups"("tenant_id", "user_id", "day");
