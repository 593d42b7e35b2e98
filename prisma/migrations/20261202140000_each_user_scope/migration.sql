-- Default caps for every end user (issue #17, ADR 0016): a quota of scope `each_user` applies to
-- each end user separately (tenant_id NULL: every end user of every tenant; set: that tenant's).
-- Its own migration: a new enum value cannot be used in the transaction that adds it
-- ("unsafe use of new value"), and the next migration's index predicates use it.
ALTER TYPE "QuotaScope" ADD VALUE IF NOT EXISTS 'each_user';
