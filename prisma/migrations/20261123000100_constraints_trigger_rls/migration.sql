-- What Prisma's schema language cannot express: validation and overlap rules, partial
-- unique indexes, the default-quota trigger and row-level security. `npm run db:check` shows no drift.

-- Prisma 6.19's JS drift check (`prisma migrate diff --from-migrations`) crashes
-- ("RuntimeError: unreachable") on CHECK and EXCLUDE constraints, so the same rules are
-- enforced by BEFORE triggers that raise check_violation / exclusion_violation with the
-- constraint name. Partial unique indexes, triggers and RLS diff cleanly.

CREATE FUNCTION tollgate_fail(errcode text, constraint_name text, msg text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', msg USING ERRCODE = errcode, CONSTRAINT = constraint_name;
END
$$;

-- At most one price in effect per model (per sandbox tier) at any instant. The advisory
-- lock serialises writers of the same model so two concurrent inserts cannot both pass.
CREATE FUNCTION tollgate_check_llm_price() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.effective_to IS NOT NULL AND NEW.effective_to <= NEW.effective_from THEN
    PERFORM tollgate_fail('23514', 'llm_prices_range', 'effective_to must be after effective_from');
  END IF;
  IF NEW.input_usd_per_million < 0 OR NEW.output_usd_per_million < 0 OR NEW.cached_input_usd_per_million < 0 THEN
    PERFORM tollgate_fail('23514', 'llm_prices_non_negative', 'prices must not be negative');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('llm_prices'), hashtext(NEW.provider || '/' || NEW.model));
  IF EXISTS (SELECT 1 FROM llm_prices p
             WHERE p.provider = NEW.provider AND p.model = NEW.model AND p.id <> NEW.id
               AND tstzrange(p.effective_from, p.effective_to) && tstzrange(NEW.effective_from, NEW.effective_to)) THEN
    PERFORM tollgate_fail('23P01', 'llm_prices_one_in_effect',
      format('another price for %s/%s is in effect during this period', NEW.provider, NEW.model));
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER llm_prices_check BEFORE INSERT OR UPDATE ON llm_prices
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_llm_price();

CREATE FUNCTION tollgate_check_sandbox_price() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.effective_to IS NOT NULL AND NEW.effective_to <= NEW.effective_from THEN
    PERFORM tollgate_fail('23514', 'sandbox_prices_range', 'effective_to must be after effective_from');
  END IF;
  IF NEW.usd_per_second < 0 THEN
    PERFORM tollgate_fail('23514', 'sandbox_prices_non_negative', 'prices must not be negative');
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('sandbox_prices'), hashtext(NEW.tier));
  IF EXISTS (SELECT 1 FROM sandbox_prices p
             WHERE p.tier = NEW.tier AND p.id <> NEW.id
               AND tstzrange(p.effective_from, p.effective_to) && tstzrange(NEW.effective_from, NEW.effective_to)) THEN
    PERFORM tollgate_fail('23P01', 'sandbox_prices_one_in_effect',
      format('another price for tier %s is in effect during this period', NEW.tier));
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER sandbox_prices_check BEFORE INSERT OR UPDATE ON sandbox_prices
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_sandbox_price();

-- Quotas and templates: a positive limit, thresholds in 1..100, a scope shape matching the scope.
CREATE FUNCTION tollgate_check_quota_limits() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.limit_usd <= 0 THEN
    PERFORM tollgate_fail('23514', TG_TABLE_NAME || '_limit_positive', 'limit_usd must be greater than 0');
  END IF;
  IF NOT (1 <= ALL (NEW.warning_thresholds) AND 100 >= ALL (NEW.warning_thresholds)) THEN
    PERFORM tollgate_fail('23514', TG_TABLE_NAME || '_thresholds_range', 'warning thresholds must be between 1 and 100');
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER default_quotas_check BEFORE INSERT OR UPDATE ON default_quotas
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_quota_limits();

CREATE FUNCTION tollgate_check_quota_scope() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ((NEW.scope = 'platform' AND NEW.scope_id IS NULL AND NEW.tenant_id IS NULL)
       OR (NEW.scope = 'tenant' AND NEW.tenant_id IS NOT NULL AND NEW.scope_id = NEW.tenant_id::text)
       OR (NEW.scope = 'user' AND NEW.tenant_id IS NOT NULL AND coalesce(NEW.scope_id, '') <> '')) THEN
    PERFORM tollgate_fail('23514', 'quotas_scope_shape',
      'platform quotas have no scope id or tenant; tenant quotas use the tenant id; user quotas need a tenant and a user id');
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER quotas_check_limits BEFORE INSERT OR UPDATE ON quotas
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_quota_limits();
CREATE TRIGGER quotas_check_scope BEFORE INSERT OR UPDATE ON quotas
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_quota_scope();

-- The composite unique key treats NULLs as distinct, so platform quotas need their own.
CREATE UNIQUE INDEX quotas_platform_unique ON quotas (resource, period) WHERE scope = 'platform';

-- Default quotas: every tenant, inserted by any path (UI, API, raw SQL), gets tenant-scope
-- quotas copied from the enabled DefaultQuota templates at insert time.
CREATE FUNCTION tollgate_apply_default_quotas() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, warning_thresholds, enforcement, enabled)
  SELECT 'tenant', NEW.id::text, NEW.id, d.resource, d.period, d.limit_usd, d.warning_thresholds, d.enforcement, true
  FROM default_quotas d
  WHERE d.enabled
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;

CREATE TRIGGER tenants_default_quotas
  AFTER INSERT ON tenants
  FOR EACH ROW EXECUTE FUNCTION tollgate_apply_default_quotas();

-- Row-level security, as defence in depth for tenant-scoped reads. Tenant-scoped code runs
-- `SET LOCAL ROLE tollgate_tenant` and `set_config('app.tenant_id', <uuid>, true)`; it then
-- sees only that tenant's rows. Staff bypass explicitly with app.staff = 'on'. The owning
-- role (migrations, the enforcement core) is not subject to the policies (RLS not FORCEd),
-- so the hot path pays nothing for them.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tollgate_tenant') THEN
    CREATE ROLE tollgate_tenant NOLOGIN;
  END IF;
END
$$;
GRANT tollgate_tenant TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO tollgate_tenant;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tollgate_tenant;

CREATE FUNCTION tollgate_rls_allows(row_tenant uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.staff', true), '') = 'on'
      OR row_tenant = nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['quotas', 'reservations', 'cost_records', 'spend_rollups', 'sandbox_error_events',
                           'alert_channels', 'alert_rules', 'alert_events', 'anomaly_findings', 'api_keys',
                           'users', 'audit_log']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tollgate_rls_allows(tenant_id))', t);
  END LOOP;
END
$$;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants USING (tollgate_rls_allows(id));

ALTER TABLE quota_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON quota_usage
  USING (EXISTS (SELECT 1 FROM quotas q WHERE q.id = quota_usage.quota_id));

ALTER TABLE forecasts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON forecasts
  USING (EXISTS (SELECT 1 FROM quotas q WHERE q.id = forecasts.quota_id));
