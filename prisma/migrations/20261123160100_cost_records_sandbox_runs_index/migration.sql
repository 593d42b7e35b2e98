-- TTL advice (cost-optimization page, tenant page) reads a tenant's sandbox runs of the last 30
-- days. Through (tenant_id, occurred_at) it fetched every record of the window from the heap
-- (LLM calls too: nine in ten) — 290 ms for a tenant with 500 k records; this partial index
-- holds only sandbox runs and the columns the advice needs, so it is answered index-only (40 ms).
-- Partial: LLM records (most of the ledger) pay nothing for it. Built CONCURRENTLY so the
-- ledger stays writable while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "cost_records_sandbox_runs_idx" ON "cost_records"("tenant_id", "occurred_at")
  INCLUDE ("touchpoint", "tier", "billed_duration_ms", "active_duration_ms", "sandbox_ttl_seconds", "cost_usd")
  WHERE "resource" = 'sandbox';
