-- Usage rows are updated by every decision (spent, reserved, notified; none of them indexed).
-- Free space on each page lets PostgreSQL keep those updates HOT (no index entries, old
-- versions pruned in place), which group commit's batches of hundreds of row updates rely on.
-- Applies to pages written from now on; the table is small and rewritten pages follow suit.
ALTER TABLE "quota_usage" SET (fillfactor = 70);
