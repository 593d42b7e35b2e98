-- Records explorer: look up one task's records without a tenant. CONCURRENTLY: see
-- 20261123120000_cost_records_cost_order_index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "cost_records_task_id_idx" ON "cost_records"("task_id");
