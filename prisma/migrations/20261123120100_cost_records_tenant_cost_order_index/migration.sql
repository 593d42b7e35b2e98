-- Records explorer: keyset pages in cost order within one tenant. CONCURRENTLY: see
-- 20261123120000_cost_records_cost_order_index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "cost_records_tenant_id_cost_usd_id_idx" ON "cost_records"("tenant_id", "cost_usd" DESC, "id" DESC);
