-- Records explorer: keyset pages in cost order across all tenants (ORDER BY cost_usd, id).
-- CONCURRENTLY keeps cost_records writable while the index builds (the enforcement core inserts
-- into it on every settle); it cannot run inside a transaction, hence one statement per migration.
-- If a build is interrupted it leaves an INVALID index: DROP INDEX CONCURRENTLY it, then
-- `prisma migrate resolve --rolled-back <this migration>` and deploy again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "cost_records_cost_usd_id_idx" ON "cost_records"("cost_usd" DESC, "id" DESC);
