-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "TenantStatus" AS ENUM ('active', 'suspended');

-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('admin', 'finance', 'ops', 'tenant_admin');

-- CreateEnum
CREATE TYPE "QuotaScope" AS ENUM ('platform', 'tenant', 'user');

-- CreateEnum
CREATE TYPE "ResourceType" AS ENUM ('llm', 'sandbox', 'all');

-- CreateEnum
CREATE TYPE "QuotaPeriod" AS ENUM ('day', 'week', 'month');

-- CreateEnum
CREATE TYPE "Enforcement" AS ENUM ('hard', 'soft');

-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('held', 'settled', 'released', 'expired');

-- CreateEnum
CREATE TYPE "SandboxStage" AS ENUM ('initialization', 'quota_validation', 'resource_allocation', 'connection', 'execution', 'result_retrieval', 'cleanup', 'monitoring', 'unknown');

-- CreateEnum
CREATE TYPE "AlertChannelType" AS ENUM ('slack', 'email', 'pagerduty', 'webhook');

-- CreateEnum
CREATE TYPE "AlertRuleKind" AS ENUM ('quota_threshold', 'quota_exceeded', 'anomaly', 'forecast_breach');

-- CreateEnum
CREATE TYPE "AlertEventStatus" AS ENUM ('pending', 'delivered', 'dead');

-- CreateEnum
CREATE TYPE "AnomalyStatus" AS ENUM ('open', 'acknowledged', 'dismissed');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "TenantStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "UserRole" NOT NULL,
    "password_hash" TEXT NOT NULL,
    "disabled_at" TIMESTAMPTZ(3),
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "token_hash" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_attempts" (
    "id" BIGSERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "success" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "login_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "tenant_id" UUID,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "llm_prices" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input_usd_per_million" DECIMAL(24,10) NOT NULL,
    "output_usd_per_million" DECIMAL(24,10) NOT NULL,
    "cached_input_usd_per_million" DECIMAL(24,10),
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "effective_to" TIMESTAMPTZ(3),
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox_prices" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tier" TEXT NOT NULL,
    "usd_per_second" DECIMAL(24,10) NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "effective_to" TIMESTAMPTZ(3),
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandbox_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quotas" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "scope" "QuotaScope" NOT NULL,
    "scope_id" TEXT,
    "tenant_id" UUID,
    "resource" "ResourceType" NOT NULL,
    "period" "QuotaPeriod" NOT NULL,
    "limit_usd" DECIMAL(24,10) NOT NULL,
    "warning_thresholds" INTEGER[] DEFAULT ARRAY[80, 90]::INTEGER[],
    "enforcement" "Enforcement" NOT NULL DEFAULT 'hard',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quotas_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quota_usage" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "quota_id" UUID NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "spent_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "reserved_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "notified_thresholds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quota_usage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "user_id" TEXT,
    "resource" "ResourceType" NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "estimate_usd" DECIMAL(24,10) NOT NULL,
    "usage_ids" UUID[],
    "status" "ReservationStatus" NOT NULL DEFAULT 'held',
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "touchpoint" TEXT,
    "conversation_id" TEXT,
    "task_id" TEXT,
    "provider" TEXT,
    "model" TEXT,
    "tier" TEXT,
    "input_tokens" INTEGER,
    "max_output_tokens" INTEGER,
    "expected_seconds" INTEGER,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "reservations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cost_records" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "user_id" TEXT,
    "conversation_id" TEXT,
    "task_id" TEXT,
    "touchpoint" TEXT,
    "resource" "ResourceType" NOT NULL,
    "provider" TEXT,
    "model" TEXT,
    "input_tokens" INTEGER,
    "output_tokens" INTEGER,
    "cached_input_tokens" INTEGER,
    "tier" TEXT,
    "billed_duration_ms" INTEGER,
    "active_duration_ms" INTEGER,
    "sandbox_ttl_seconds" INTEGER,
    "cost_usd" DECIMAL(24,10) NOT NULL,
    "estimated_cost_usd" DECIMAL(24,10),
    "llm_price_id" UUID,
    "sandbox_price_id" UUID,
    "reservation_id" UUID,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "late" BOOLEAN NOT NULL DEFAULT false,
    "backfill" BOOLEAN NOT NULL DEFAULT false,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cost_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "spend_rollups" (
    "id" BIGSERIAL NOT NULL,
    "day" DATE NOT NULL,
    "tenant_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL DEFAULT '',
    "resource" "ResourceType" NOT NULL,
    "provider" TEXT NOT NULL DEFAULT '',
    "model" TEXT NOT NULL DEFAULT '',
    "touchpoint" TEXT NOT NULL DEFAULT '',
    "cost_usd" DECIMAL(24,10) NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "billed_ms" BIGINT NOT NULL DEFAULT 0,
    "active_ms" BIGINT NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "spend_rollups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "touchpoints" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "resource" "ResourceType" NOT NULL,
    "priority" TEXT NOT NULL,
    "reserves_before_call" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "touchpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "default_quotas" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "resource" "ResourceType" NOT NULL,
    "period" "QuotaPeriod" NOT NULL,
    "limit_usd" DECIMAL(24,10) NOT NULL,
    "warning_thresholds" INTEGER[] DEFAULT ARRAY[80, 90]::INTEGER[],
    "enforcement" "Enforcement" NOT NULL DEFAULT 'hard',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "default_quotas_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox_error_events" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "sandbox_id" TEXT,
    "touchpoint" TEXT,
    "operation" TEXT NOT NULL,
    "stage" "SandboxStage" NOT NULL,
    "error_type" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandbox_error_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_channels" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID,
    "type" "AlertChannelType" NOT NULL,
    "name" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "secret_enc" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_rules" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID,
    "channel_id" UUID NOT NULL,
    "kind" "AlertRuleKind" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "params" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_events" (
    "id" BIGSERIAL NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "channel_id" UUID NOT NULL,
    "tenant_id" UUID,
    "kind" "AlertRuleKind" NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "AlertEventStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "anomaly_findings" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "resource" "ResourceType" NOT NULL,
    "day" DATE NOT NULL,
    "hour" INTEGER NOT NULL DEFAULT -1,
    "actual_usd" DECIMAL(24,10) NOT NULL,
    "expected_usd" DECIMAL(24,10) NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "severity" TEXT NOT NULL,
    "status" "AnomalyStatus" NOT NULL DEFAULT 'open',
    "reviewed_by" TEXT,
    "reviewed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "anomaly_findings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "forecasts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "quota_id" UUID NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "spent_usd" DECIMAL(24,10) NOT NULL,
    "limit_usd" DECIMAL(24,10) NOT NULL,
    "forecast_usd" DECIMAL(24,10) NOT NULL,
    "low_usd" DECIMAL(24,10) NOT NULL,
    "high_usd" DECIMAL(24,10) NOT NULL,
    "breach_at" TIMESTAMPTZ(3),
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "forecasts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT,
    "tenant_id" UUID,
    "before" JSONB,
    "after" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "users_tenant_id_idx" ON "users"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "login_attempts_email_ip_created_at_idx" ON "login_attempts"("email", "ip", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_idx" ON "api_keys"("tenant_id");

-- CreateIndex
CREATE INDEX "llm_prices_model_effective_from_idx" ON "llm_prices"("model", "effective_from" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "llm_prices_provider_model_effective_from_key" ON "llm_prices"("provider", "model", "effective_from");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_prices_tier_effective_from_key" ON "sandbox_prices"("tier", "effective_from");

-- CreateIndex
CREATE INDEX "quotas_tenant_id_idx" ON "quotas"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "quotas_scope_tenant_id_scope_id_resource_period_key" ON "quotas"("scope", "tenant_id", "scope_id", "resource", "period");

-- CreateIndex
CREATE UNIQUE INDEX "quota_usage_quota_id_period_start_key" ON "quota_usage"("quota_id", "period_start");

-- CreateIndex
CREATE INDEX "reservations_status_expires_at_idx" ON "reservations"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "reservations_tenant_id_idempotency_key_key" ON "reservations"("tenant_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "cost_records_reservation_id_key" ON "cost_records"("reservation_id");

-- CreateIndex
CREATE INDEX "cost_records_tenant_id_occurred_at_id_idx" ON "cost_records"("tenant_id", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "cost_records_occurred_at_id_idx" ON "cost_records"("occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "cost_records_touchpoint_occurred_at_idx" ON "cost_records"("touchpoint", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "cost_records_tenant_id_idempotency_key_key" ON "cost_records"("tenant_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "spend_rollups_tenant_id_day_idx" ON "spend_rollups"("tenant_id", "day");

-- CreateIndex
CREATE UNIQUE INDEX "spend_rollups_day_tenant_id_user_id_resource_provider_model_key" ON "spend_rollups"("day", "tenant_id", "user_id", "resource", "provider", "model", "touchpoint");

-- CreateIndex
CREATE UNIQUE INDEX "default_quotas_resource_period_key" ON "default_quotas"("resource", "period");

-- CreateIndex
CREATE INDEX "sandbox_error_events_tenant_id_occurred_at_idx" ON "sandbox_error_events"("tenant_id", "occurred_at");

-- CreateIndex
CREATE INDEX "sandbox_error_events_occurred_at_idx" ON "sandbox_error_events"("occurred_at");

-- CreateIndex
CREATE INDEX "alert_channels_tenant_id_idx" ON "alert_channels"("tenant_id");

-- CreateIndex
CREATE INDEX "alert_rules_kind_idx" ON "alert_rules"("kind");

-- CreateIndex
CREATE INDEX "alert_events_status_next_attempt_at_idx" ON "alert_events"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "alert_events_channel_id_dedupe_key_key" ON "alert_events"("channel_id", "dedupe_key");

-- CreateIndex
CREATE INDEX "anomaly_findings_status_day_idx" ON "anomaly_findings"("status", "day");

-- CreateIndex
CREATE UNIQUE INDEX "anomaly_findings_tenant_id_resource_day_hour_key" ON "anomaly_findings"("tenant_id", "resource", "day", "hour");

-- CreateIndex
CREATE UNIQUE INDEX "forecasts_quota_id_period_start_key" ON "forecasts"("quota_id", "period_start");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at" DESC);

-- CreateIndex
CREATE INDEX "audit_log_entity_type_at_idx" ON "audit_log"("entity_type", "at");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_at_idx" ON "audit_log"("tenant_id", "at");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quotas" ADD CONSTRAINT "quotas_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quota_usage" ADD CONSTRAINT "quota_usage_quota_id_fkey" FOREIGN KEY ("quota_id") REFERENCES "quotas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_llm_price_id_fkey" FOREIGN KEY ("llm_price_id") REFERENCES "llm_prices"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_sandbox_price_id_fkey" FOREIGN KEY ("sandbox_price_id") REFERENCES "sandbox_prices"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "spend_rollups" ADD CONSTRAINT "spend_rollups_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sandbox_error_events" ADD CONSTRAINT "sandbox_error_events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_channels" ADD CONSTRAINT "alert_channels_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "alert_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "alert_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "anomaly_findings" ADD CONSTRAINT "anomaly_findings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "forecasts" ADD CONSTRAINT "forecasts_quota_id_fkey" FOREIGN KEY ("quota_id") REFERENCES "quotas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

