-- spend_daily: one row per UTC day × tenant with LLM and sandbox spend, for the pages that
-- need platform- or tenant-wide totals (overview, tenants list, spend timelines). spend_rollups
-- is keyed by the full (user, resource, provider, model, touchpoint) cross-product and barely
-- compresses small tenants (bench:dashboards: 4.0 M rollup rows for 5 M records), so the
-- overview summed ~750 k rows a month (1.4 s). This table has at most tenants × days rows.
--
-- Kept by a trigger on spend_rollups, so every writer (the core, backfills, the seed's rebuild)
-- keeps it exact with no code of its own, in the same transaction. One row per (day, tenant),
-- not per resource: a transaction touching both resources of a tenant takes that tenant's
-- day row once, so two transactions cannot lock them in opposite orders.
CREATE TABLE "spend_daily" (
    "day" DATE NOT NULL,
    "tenant_id" UUID NOT NULL,
    "llm_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "sandbox_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "spend_daily_pkey" PRIMARY KEY ("day","tenant_id")
);

CREATE INDEX "spend_daily_tenant_id_day_idx" ON "spend_daily"("tenant_id", "day");

ALTER TABLE "spend_daily" ADD CONSTRAINT "spend_daily_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE FUNCTION tollgate_spend_daily() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d_cost numeric := NEW.cost_usd - CASE WHEN TG_OP = 'UPDATE' THEN OLD.cost_usd ELSE 0 END;
  d_records integer := NEW.records - CASE WHEN TG_OP = 'UPDATE' THEN OLD.records ELSE 0 END;
BEGIN
  IF d_cost = 0 AND d_records = 0 THEN
    RETURN NULL;
  END IF;
  INSERT INTO spend_daily AS s (day, tenant_id, llm_usd, sandbox_usd, records)
  VALUES (NEW.day, NEW.tenant_id,
          CASE WHEN NEW.resource = 'llm' THEN d_cost ELSE 0 END,
          CASE WHEN NEW.resource = 'sandbox' THEN d_cost ELSE 0 END,
          d_records)
  ON CONFLICT (day, tenant_id) DO UPDATE
     SET llm_usd = s.llm_usd + EXCLUDED.llm_usd,
         sandbox_usd = s.sandbox_usd + EXCLUDED.sandbox_usd,
         records = s.records + EXCLUDED.records;
  RETURN NULL;
END $$;

CREATE TRIGGER spend_rollups_daily AFTER INSERT OR UPDATE ON spend_rollups
  FOR EACH ROW EXECUTE FUNCTION tollgate_spend_daily();

-- Existing rollups (an upgrade): derive the days they already hold.
INSERT INTO spend_daily (day, tenant_id, llm_usd, sandbox_usd, records)
SELECT day, tenant_id,
       coalesce(sum(cost_usd) FILTER (WHERE resource = 'llm'), 0),
       coalesce(sum(cost_usd) FILTER (WHERE resource = 'sandbox'), 0),
       sum(records)
  FROM spend_rollups
 GROUP BY day, tenant_id;

-- Row-level security like spend_rollups: a tenant's role sees only its own days.
GRANT SELECT ON spend_daily TO tollgate_tenant;
ALTER TABLE spend_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON spend_daily USING (tollgate_rls_allows(tenant_id));
