-- Records explorer: look up one conversation's records without a tenant (support work).
-- CONCURRENTLY: see 20261123120000_cost_records_cost_order_index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "cost_records_conversation_id_idx" ON "cost_records"("conversation_id");
