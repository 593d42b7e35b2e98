-- "Users at or near their default cap" (issue #17, ADR 0016) without reading every per-user row.
--
-- `near`: the row is at or above 80% of its quota's limit (NEAR_LIMIT_PERCENT in
-- app/services/spend.page.server.ts), counting open holds — kept by the triggers below for
-- per-user default rows only (subject <> ''); every other row keeps false. The next migration
-- indexes `(quota_id, period_start, subject_tenant_id) WHERE near`, so the panel reads only the
-- few rows past the line. Why a flag and not an index on the figures: quota_usage rows are
-- updated thousands of times a second and rely on HOT updates (fillfactor 70, 20261124020000);
-- any index whose key or predicate names spent_usd / reserved_usd makes EVERY update of those
-- columns non-HOT, shared platform and tenant rows included (HOT is decided per column, not
-- per row). `near` changes only when a row crosses the line, so all other updates stay HOT.
ALTER TABLE "quota_usage" ADD COLUMN "near" BOOLEAN NOT NULL DEFAULT false;

-- The line, for one row: its quota's limit is one primary-key probe. A quota without a row
-- (impossible: the foreign key) would leave false.
CREATE FUNCTION tollgate_usage_near() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.near := coalesce((NEW.spent_usd + NEW.reserved_usd) * 100 >= (SELECT q.limit_usd FROM quotas q WHERE q.id = NEW.quota_id) * 80, false);
  RETURN NEW;
END
$$;

-- Per-user rows only (the WHEN clause costs shared rows nothing but its test), and on update only
-- when the figures moved (a denial counted on the row, a notified threshold: no call).
CREATE TRIGGER quota_usage_near_insert BEFORE INSERT ON quota_usage
  FOR EACH ROW WHEN (NEW.subject <> '')
  EXECUTE FUNCTION tollgate_usage_near();
CREATE TRIGGER quota_usage_near_update BEFORE UPDATE OF spent_usd, reserved_usd ON quota_usage
  FOR EACH ROW WHEN (NEW.subject <> '' AND (NEW.spent_usd <> OLD.spent_usd OR NEW.reserved_usd <> OLD.reserved_usd))
  EXECUTE FUNCTION tollgate_usage_near();

-- A limit edit moves the line under every row of the default: recompute the flags of its latest
-- period (the current one, or the last one used; older periods are never asked for), writing
-- only the rows whose flag changes. In the editing transaction, so the page that saved the
-- limit reads the new flags. Enabling/disabling does not move the line (the read filters on
-- `enabled`; re-enabling deletes the current rows anyway, quotas.server.ts).
CREATE FUNCTION tollgate_refresh_usage_near() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE quota_usage u
     SET near = ((u.spent_usd + u.reserved_usd) * 100 >= NEW.limit_usd * 80)
   WHERE u.quota_id = NEW.id AND u.subject <> ''
     AND u.period_start = (SELECT max(x.period_start) FROM quota_usage x WHERE x.quota_id = NEW.id)
     AND u.near <> ((u.spent_usd + u.reserved_usd) * 100 >= NEW.limit_usd * 80);
  RETURN NULL;
END
$$;
CREATE TRIGGER quotas_refresh_usage_near AFTER UPDATE OF limit_usd ON quotas
  FOR EACH ROW WHEN (NEW.scope = 'each_user' AND NEW.limit_usd <> OLD.limit_usd)
  EXECUTE FUNCTION tollgate_refresh_usage_near();

-- Rows that exist already (only the few past the line are written).
UPDATE quota_usage u SET near = true
  FROM quotas q
 WHERE q.id = u.quota_id AND u.subject <> '' AND (u.spent_usd + u.reserved_usd) * 100 >= q.limit_usd * 80;
