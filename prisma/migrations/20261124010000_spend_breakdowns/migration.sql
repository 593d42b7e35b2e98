-- spend_breakdowns: a tenant's daily spend by one dimension at a time — model, user or
-- touchpoint — each split by resource. The tenant page's breakdowns summed spend_rollups, whose
-- key is the full day × user × resource × provider × model × touchpoint cross-product: for the
-- largest bench:dashboards tenant (500 k of 5 M records) a 90-day view grouped 59 k rollup rows
-- six ways (96 ms of the loader's ~105 ms; the scan itself was 6 ms, the grouping and the
-- row-level-security filter per row the rest). The same figures from this table: 8.9 k rows
-- (630 model, 7.2 k user, 1.1 k touchpoint), 11 ms.
--
-- Kept in the same trigger as spend_daily, which now writes both: spend_daily's (day, tenant) row
-- first, then that day's breakdown rows. So only a transaction that already holds the tenant's
-- day row ever locks its breakdown rows: they add no waiting and no new lock order (group commit
-- batches take the day rows in key order, as before). Like spend_daily it adds the difference of
-- each INSERT or UPDATE of a rollup, so every writer — the core in the deciding transaction,
-- backfills, the seed's recomputation — keeps it exact; like spend_daily it relies on a rollup's
-- key never changing and on rollups being deleted only with their tenant (the cascade).

-- CreateEnum
CREATE TYPE "SpendDimension" AS ENUM ('model', 'user', 'touchpoint');

-- CreateTable
CREATE TABLE "spend_breakdowns" (
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "dimension" "SpendDimension" NOT NULL,
    "key" TEXT NOT NULL,
    "resource" "ResourceType" NOT NULL,
    "cost_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "spend_breakdowns_pkey" PRIMARY KEY ("tenant_id","day","dimension","key","resource")
);

-- AddForeignKey
ALTER TABLE "spend_breakdowns" ADD CONSTRAINT "spend_breakdowns_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One trigger for both derived tables, so their order is fixed by the function, not by trigger names.
DROP TRIGGER spend_rollups_daily ON spend_rollups;
DROP FUNCTION tollgate_spend_daily();

CREATE FUNCTION tollgate_spend_derived() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d_cost numeric := NEW.cost_usd - CASE WHEN TG_OP = 'UPDATE' THEN OLD.cost_usd ELSE 0 END;
  d_records integer := NEW.records - CASE WHEN TG_OP = 'UPDATE' THEN OLD.records ELSE 0 END;
BEGIN
  IF d_cost = 0 AND d_records = 0 THEN
    RETURN NULL;
  END IF;
  -- The tenant's day row first: it serialises the tenant's writers of the day (below).
  INSERT INTO spend_daily AS s (day, tenant_id, llm_usd, sandbox_usd, records)
  VALUES (NEW.day, NEW.tenant_id,
          CASE WHEN NEW.resource = 'llm' THEN d_cost ELSE 0 END,
          CASE WHEN NEW.resource = 'sandbox' THEN d_cost ELSE 0 END,
          d_records)
  ON CONFLICT (day, tenant_id) DO UPDATE
     SET llm_usd = s.llm_usd + EXCLUDED.llm_usd,
         sandbox_usd = s.sandbox_usd + EXCLUDED.sandbox_usd,
         records = s.records + EXCLUDED.records;
  -- Then the same day's breakdowns, always in the order model, user, touchpoint. The model key
  -- is what the pages show: "provider/model", the model alone without a provider, '' without one.
  INSERT INTO spend_breakdowns AS b (tenant_id, day, dimension, key, resource, cost_usd, records)
  VALUES (NEW.tenant_id, NEW.day, 'model',
          CASE WHEN NEW.model = '' THEN '' WHEN NEW.provider = '' THEN NEW.model ELSE NEW.provider || '/' || NEW.model END,
          NEW.resource, d_cost, d_records),
         (NEW.tenant_id, NEW.day, 'user', NEW.user_id, NEW.resource, d_cost, d_records),
         (NEW.tenant_id, NEW.day, 'touchpoint', NEW.touchpoint, NEW.resource, d_cost, d_records)
  ON CONFLICT (tenant_id, day, dimension, key, resource) DO UPDATE
     SET cost_usd = b.cost_usd + EXCLUDED.cost_usd,
         records = b.records + EXCLUDED.records;
  RETURN NULL;
END $$;

CREATE TRIGGER spend_rollups_derived AFTER INSERT OR UPDATE ON spend_rollups
  FOR EACH ROW EXECUTE FUNCTION tollgate_spend_derived();

-- Existing rollups (an upgrade): derive the breakdowns they already hold. After the trigger
-- exists: its creation waited for writers in flight, later ones wait for this transaction.
INSERT INTO spend_breakdowns (tenant_id, day, dimension, key, resource, cost_usd, records)
SELECT r.tenant_id, r.day, d.dimension, d.key, r.resource, sum(r.cost_usd), sum(r.records)
  FROM spend_rollups r
 CROSS JOIN LATERAL (VALUES
         ('model'::"SpendDimension",
          CASE WHEN r.model = '' THEN '' WHEN r.provider = '' THEN r.model ELSE r.provider || '/' || r.model END),
         ('user'::"SpendDimension", r.user_id),
         ('touchpoint'::"SpendDimension", r.touchpoint)) AS d(dimension, key)
 GROUP BY r.tenant_id, r.day, d.dimension, d.key, r.resource;

-- Row-level security like spend_rollups: a tenant's role sees only its own rows.
GRANT SELECT ON spend_breakdowns TO tollgate_tenant;
ALTER TABLE spend_breakdowns ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON spend_breakdowns USING (tollgate_rls_allows(tenant_id));
