-- Sandbox TTL advice, stored by the analysis job instead of computed on every page view: the
-- all-tenant cost-optimization page read every sandbox run of 30 days per view (p95 521 ms at
-- 5 M records, bench:dashboards). The job writes one run (when, which window) and its rows per
-- tenant × touchpoint, and deletes the previous run (its rows go by cascade) in the same
-- transaction, so a page reads one whole run, never half of one.

-- CreateTable
CREATE TABLE "ttl_advice_runs" (
    "id" BIGSERIAL NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,
    "window_from" TIMESTAMPTZ(3) NOT NULL,
    "window_to" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ttl_advice_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ttl_advice" (
    "run_id" BIGINT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "touchpoint" TEXT NOT NULL DEFAULT '',
    "runs" INTEGER NOT NULL,
    "billed_seconds" DOUBLE PRECISION NOT NULL,
    "active_seconds" DOUBLE PRECISION NOT NULL,
    "idle_seconds" DOUBLE PRECISION NOT NULL,
    "current_ttl_seconds" INTEGER,
    "recommended_ttl_seconds" INTEGER,
    "sandbox_cost_usd" DECIMAL(24,10) NOT NULL,
    "projected_monthly_saving_usd" DECIMAL(24,10) NOT NULL,

    CONSTRAINT "ttl_advice_pkey" PRIMARY KEY ("run_id","tenant_id","touchpoint")
);

-- AddForeignKey
ALTER TABLE "ttl_advice" ADD CONSTRAINT "ttl_advice_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "ttl_advice_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ttl_advice" ADD CONSTRAINT "ttl_advice_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Validation as BEFORE triggers, not CHECKs (Prisma 6.19's JS drift check crashes on CHECK
-- constraints; see 20261123000100_constraints_trigger_rls). A bad row aborts the job's whole
-- write transaction, so the previous advice stays.
CREATE FUNCTION tollgate_check_ttl_advice_run() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.window_to <= NEW.window_from THEN
    PERFORM tollgate_fail('23514', 'ttl_advice_runs_window', 'window_to must be after window_from');
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER ttl_advice_runs_check BEFORE INSERT OR UPDATE ON ttl_advice_runs
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_ttl_advice_run();

CREATE FUNCTION tollgate_check_ttl_advice() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.runs < 1 THEN
    PERFORM tollgate_fail('23514', 'ttl_advice_runs_positive', 'runs must be at least 1');
  END IF;
  IF NEW.billed_seconds < 0 OR NEW.active_seconds < 0 OR NEW.idle_seconds < 0 OR NEW.idle_seconds > NEW.billed_seconds THEN
    PERFORM tollgate_fail('23514', 'ttl_advice_seconds', 'seconds must not be negative, and idle time not above billed time');
  END IF;
  IF NEW.sandbox_cost_usd < 0 OR NEW.projected_monthly_saving_usd < 0 THEN
    PERFORM tollgate_fail('23514', 'ttl_advice_non_negative', 'cost and saving must not be negative');
  END IF;
  IF NEW.recommended_ttl_seconds < 0 OR NEW.recommended_ttl_seconds > NEW.current_ttl_seconds THEN
    PERFORM tollgate_fail('23514', 'ttl_advice_recommended_ttl', 'the recommended TTL must not be negative nor above the current TTL');
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER ttl_advice_check BEFORE INSERT OR UPDATE ON ttl_advice
  FOR EACH ROW EXECUTE FUNCTION tollgate_check_ttl_advice();

-- Row-level security like the other tenant tables: a tenant's role sees only its own advice.
-- The run (when, which window) is not tenant data: readable by the role, no policy.
GRANT SELECT ON ttl_advice, ttl_advice_runs TO tollgate_tenant;
ALTER TABLE ttl_advice ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ttl_advice USING (tollgate_rls_allows(tenant_id));
