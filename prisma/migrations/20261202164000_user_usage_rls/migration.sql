-- Row-level security for per-user rows (ADR 0016, SPEC §9: defence in depth for tenant-scoped reads).
--
-- Until now a usage row was visible to a tenant-scoped read exactly when its quota was. That hid
-- the per-user rows of the platform-wide default (its quota has no tenant) from the tenant whose
-- end users they count, and would have made visibility of a per-user row depend on whose quota
-- it is rather than whose user. Now:
--   * a shared row (subject '', subject_tenant_id NULL: platform, tenant, user quotas) is visible
--     when its quota is, as before;
--   * a per-user row is visible to the tenant of its end user (subject_tenant_id) — under that
--     tenant's own default and under the platform's — and to no other tenant.
-- The platform quota row itself stays invisible to tenants (quotas' policy is unchanged); what a
-- tenant may know of the platform's per-user defaults (the cap its users meet, already in every
-- 429 and quota-status answer) is readable through the narrow view platform_user_caps below.

-- The policy trusts subject_tenant_id, so the database guarantees what the core always writes:
-- a per-user row belongs to a per-user default, and under a tenant's default it names that
-- tenant's user. Checked when such a row is inserted (once per user and period: the FK check on
-- quota_id reads the same quotas row anyway) or re-pointed.
CREATE OR REPLACE FUNCTION tollgate_check_usage_subject() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  q record;
BEGIN
  IF (NEW.subject_tenant_id IS NULL) <> (NEW.subject = '') THEN
    PERFORM tollgate_fail('23514', 'quota_usage_subject_shape', 'a per-user row names both the end user and their tenant');
  END IF;
  SELECT scope, tenant_id INTO q FROM quotas WHERE id = NEW.quota_id;
  IF FOUND AND (q.scope <> 'each_user' OR (q.tenant_id IS NOT NULL AND q.tenant_id <> NEW.subject_tenant_id)) THEN
    PERFORM tollgate_fail('23514', 'quota_usage_subject_tenant',
      'a per-user row belongs to a per-user default, and under a tenant''s default to that tenant''s user');
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER quota_usage_check_subject ON quota_usage;
CREATE TRIGGER quota_usage_check_subject BEFORE INSERT OR UPDATE OF quota_id, subject, subject_tenant_id ON quota_usage
  FOR EACH ROW WHEN (NEW.subject <> '' OR NEW.subject_tenant_id IS NOT NULL)
  EXECUTE FUNCTION tollgate_check_usage_subject();

DROP POLICY tenant_isolation ON quota_usage;
CREATE POLICY tenant_isolation ON quota_usage USING (
  CASE WHEN subject_tenant_id IS NULL
       THEN EXISTS (SELECT 1 FROM quotas q WHERE q.id = quota_usage.quota_id)
       ELSE tollgate_rls_allows(subject_tenant_id)
  END);

-- The platform's per-user defaults as a tenant may see them: the cap, not the row. A plain view
-- runs with its owner's rights, so it reads quotas past their policy and shows only these columns
-- of these rows (security_barrier: no caller-supplied condition is evaluated before its own).
CREATE VIEW platform_user_caps WITH (security_barrier = true) AS
SELECT id, resource, period, limit_usd, warning_thresholds, enforcement, enabled
  FROM quotas
 WHERE scope = 'each_user' AND tenant_id IS NULL;
GRANT SELECT ON platform_user_caps TO tollgate_tenant;
