-- Push invalidation for the API's in-process cache of keys and tenants (ADR 0010): every change
-- that can turn a cached "yes" into a "no" (a key revoked, re-bound or deleted; a tenant renamed,
-- suspended or deleted) notifies channel `tollgate_cache` with `key:<id>` or `tenant:<id>`, and
-- each server process's LISTEN connection drops the matching entries. PostgreSQL delivers a
-- notification when the changing transaction commits, whatever the client (the panel, the API,
-- psql), so no code path can forget to invalidate. TRUNCATE notifies `key:*` / `tenant:*`.
CREATE FUNCTION tollgate_notify_cache() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  kind text := CASE TG_TABLE_NAME WHEN 'api_keys' THEN 'key' ELSE 'tenant' END;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('tollgate_cache', kind || ':*');
  ELSE
    PERFORM pg_notify('tollgate_cache', kind || ':' || OLD.id);
    IF TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id THEN
      PERFORM pg_notify('tollgate_cache', kind || ':' || NEW.id);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- last_used_at is written (at most once a minute per key) on the request path itself; that
-- write must not invalidate every process's copy of the key, so it alone does not notify.
CREATE TRIGGER api_keys_notify_cache AFTER UPDATE ON api_keys FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
  EXECUTE FUNCTION tollgate_notify_cache();
CREATE TRIGGER api_keys_notify_cache_delete AFTER DELETE ON api_keys FOR EACH ROW
  EXECUTE FUNCTION tollgate_notify_cache();
CREATE TRIGGER api_keys_notify_cache_truncate AFTER TRUNCATE ON api_keys FOR EACH STATEMENT
  EXECUTE FUNCTION tollgate_notify_cache();

CREATE TRIGGER tenants_notify_cache AFTER UPDATE ON tenants FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION tollgate_notify_cache();
CREATE TRIGGER tenants_notify_cache_delete AFTER DELETE ON tenants FOR EACH ROW
  EXECUTE FUNCTION tollgate_notify_cache();
CREATE TRIGGER tenants_notify_cache_truncate AFTER TRUNCATE ON tenants FOR EACH STATEMENT
  EXECUTE FUNCTION tollgate_notify_cache();
