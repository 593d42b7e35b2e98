-- Default caps for every end user (issue #17, ADR 0016).
--
-- A per-user default keeps one usage row per (quota, period, end user), created on the user's
-- first use in the period: `subject` is the end-user id and `subject_tenant_id` their tenant
-- (a platform-wide default has no tenant of its own; user ids are unique only within a
-- tenant). Every other row keeps subject '' and subject_tenant_id NULL, so the unique key
-- (NULLs not distinct) still means "one row per quota and period" for them.
ALTER TABLE "quota_usage" ADD COLUMN "subject" TEXT NOT NULL DEFAULT '',
                          ADD COLUMN "subject_tenant_id" UUID;

DROP INDEX "quota_usage_quota_id_period_start_key";
-- Column order: the decision path probes (quota, period, user) by equality, then the tenant.
CREATE UNIQUE INDEX "quota_usage_subject_key" ON "quota_usage"("quota_id", "period_start", "subject", "subject_tenant_id") NULLS NOT DISTINCT;

ALTER TABLE "quota_usage" ADD CONSTRAINT "quota_usage_subject_tenant_id_fkey" FOREIGN KEY ("subject_tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A row has a subject exactly when its quota is a per-user default; the core writes both or neither.
CREATE FUNCTION tollgate_check_usage_subject() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.subject_tenant_id IS NULL) <> (NEW.subject = '') THEN
    PERFORM tollgate_fail('23514', 'quota_usage_subject_shape', 'a per-user row names both the end user and their tenant');
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER quota_usage_check_subject BEFORE INSERT ON quota_usage
  FOR EACH ROW WHEN (NEW.subject <> '' OR NEW.subject_tenant_id IS NOT NULL)
  EXECUTE FUNCTION tollgate_check_usage_subject();

-- Scope shapes: `each_user` has no scope id (it names no user: it applies to each of them);
-- tenant_id NULL is the platform-wide default, set is that tenant's.
CREATE OR REPLACE FUNCTION tollgate_check_quota_scope() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ((NEW.scope = 'platform' AND NEW.scope_id IS NULL AND NEW.tenant_id IS NULL)
       OR (NEW.scope = 'tenant' AND NEW.tenant_id IS NOT NULL AND NEW.scope_id = NEW.tenant_id::text)
       OR (NEW.scope = 'user' AND NEW.tenant_id IS NOT NULL AND coalesce(NEW.scope_id, '') <> '')
       OR (NEW.scope = 'each_user' AND NEW.scope_id IS NULL)) THEN
    PERFORM tollgate_fail('23514', 'quotas_scope_shape',
      'platform quotas have no scope id or tenant; tenant quotas use the tenant id; user quotas need a tenant and a user id; per-user defaults have no scope id');
  END IF;
  RETURN NEW;
END
$$;

-- One per-user default per (tenant or platform, resource, period); the composite unique key
-- treats the NULLs (scope id; tenant of the platform default) as distinct, so it needs its own.
CREATE UNIQUE INDEX quotas_each_user_unique ON quotas (tenant_id, resource, period) NULLS NOT DISTINCT WHERE scope = 'each_user';

-- Readers outside the decision path see the subject too (appended: CREATE OR REPLACE VIEW can
-- only add columns at the end).
CREATE OR REPLACE VIEW quota_usage_current WITH (security_invoker = true) AS
SELECT u.id, u.quota_id, u.period_start,
       u.spent_usd + coalesce(l.spent, 0) AS spent_usd,
       u.reserved_usd - coalesce(l.granted, 0) + coalesce(l.reserved, 0) AS reserved_usd,
       u.notified_thresholds, u.updated_at, u.denied_count, u.denied_usd, u.subject, u.subject_tenant_id
  FROM quota_usage u
  LEFT JOIN LATERAL (
    SELECT sum(x.granted_usd) AS granted, sum(x.reserved_usd) AS reserved, sum(x.spent_usd) AS spent
      FROM quota_leases x WHERE x.usage_id = u.id AND x.returned_at IS NULL) l ON true;
