-- Denials are visible (ADR 0014). A denial is counted on the usage row that refused it — the
-- row the decision already holds locked — by the batch's own write statement, and per tenant,
-- day, quota and end user in denials_daily for the panel's charts and "who hit a cap" table.
ALTER TABLE "quota_usage" ADD COLUMN "denied_count" INTEGER NOT NULL DEFAULT 0,
                          ADD COLUMN "denied_usd" DECIMAL(24,10) NOT NULL DEFAULT 0;

CREATE TABLE "denials_daily" (
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "quota_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL DEFAULT '',
    "denied_count" INTEGER NOT NULL DEFAULT 0,
    "denied_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "last_denied_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "denials_daily_pkey" PRIMARY KEY ("tenant_id","day","quota_id","user_id")
);

CREATE INDEX "denials_daily_day_idx" ON "denials_daily"("day");

ALTER TABLE "denials_daily" ADD CONSTRAINT "denials_daily_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "denials_daily" ADD CONSTRAINT "denials_daily_quota_id_fkey" FOREIGN KEY ("quota_id") REFERENCES "quotas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The idempotency keys of counted denials, per usage row: a client retrying a denied request
-- with the same key is decided again (it may pass now) but its denial is not counted twice.
-- Kept one day by the sweeper; `kind` separates reservation keys from record keys.
CREATE TABLE "denied_keys" (
    "tenant_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "usage_id" UUID NOT NULL,
    "denied_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "denied_keys_pkey" PRIMARY KEY ("tenant_id","kind","idempotency_key","usage_id")
);

CREATE INDEX "denied_keys_denied_at_idx" ON "denied_keys"("denied_at");

GRANT SELECT ON denials_daily TO tollgate_tenant;
ALTER TABLE denials_daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON denials_daily USING (tollgate_rls_allows(tenant_id));
-- Tenants never read denied keys (no grant); RLS on, like every tenant-keyed table.
ALTER TABLE denied_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON denied_keys USING (tollgate_rls_allows(tenant_id));

-- The view every reader outside the decision path uses: same figures, plus the denials.
CREATE OR REPLACE VIEW quota_usage_current WITH (security_invoker = true) AS
SELECT u.id, u.quota_id, u.period_start,
       u.spent_usd + coalesce(l.spent, 0) AS spent_usd,
       u.reserved_usd - coalesce(l.granted, 0) + coalesce(l.reserved, 0) AS reserved_usd,
       u.notified_thresholds, u.updated_at, u.denied_count, u.denied_usd
  FROM quota_usage u
  LEFT JOIN LATERAL (
    SELECT sum(x.granted_usd) AS granted, sum(x.reserved_usd) AS reserved, sum(x.spent_usd) AS spent
      FROM quota_leases x WHERE x.usage_id = u.id AND x.returned_at IS NULL) l ON true;
