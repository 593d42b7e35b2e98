-- Budget leases (ADR 0009): a process holds a slice of a usage row's budget, counted in the
-- row's reserved_usd, and decides that level locally until the slice runs out.
CREATE TABLE "quota_leases" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "usage_id" UUID NOT NULL,
    "holder" TEXT NOT NULL,
    "granted_usd" DECIMAL(24,10) NOT NULL,
    "reserved_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "spent_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "returned_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_leases_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "quota_leases_usage_id_idx" ON "quota_leases"("usage_id");
CREATE INDEX "quota_leases_expires_at_idx" ON "quota_leases"("expires_at");

ALTER TABLE "quota_leases" ADD CONSTRAINT "quota_leases_usage_id_fkey" FOREIGN KEY ("usage_id") REFERENCES "quota_usage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Updated by every batch of its holder: keep those updates HOT.
ALTER TABLE "quota_leases" SET (fillfactor = 70);

ALTER TABLE "reservations" ADD COLUMN "lease_ids" UUID[] DEFAULT ARRAY[]::UUID[];

-- Tenants never read leases; staff may (through the usage row's quota).
ALTER TABLE quota_leases ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON quota_leases
  USING (EXISTS (SELECT 1 FROM quota_usage u WHERE u.id = quota_leases.usage_id));

-- The true figures of each usage row: what its active leases spent is added, their grants are
-- replaced by what they hold. Every reader outside the decision path reads this view.
CREATE VIEW quota_usage_current WITH (security_invoker = true) AS
SELECT u.id, u.quota_id, u.period_start,
       u.spent_usd + coalesce(l.spent, 0) AS spent_usd,
       u.reserved_usd - coalesce(l.granted, 0) + coalesce(l.reserved, 0) AS reserved_usd,
       u.notified_thresholds, u.updated_at
  FROM quota_usage u
  LEFT JOIN LATERAL (
    SELECT sum(x.granted_usd) AS granted, sum(x.reserved_usd) AS reserved, sum(x.spent_usd) AS spent
      FROM quota_leases x WHERE x.usage_id = u.id AND x.returned_at IS NULL) l ON true;

GRANT SELECT ON quota_leases, quota_usage_current TO tollgate_tenant;
