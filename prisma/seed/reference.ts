// Reference data: prices, sandbox tiers, the touchpoint registry, default quota templates and
// the platform quotas. Templates go in before any tenant, because the tenant-insert trigger
// copies them at insert time.
import { bulkInsert, type Sql } from "./bulk.ts";
import { loadLlmPrices, loadSandboxPrices, loadTouchpoints } from "./reference-data.ts";

/** "2026-01-01" means midnight UTC, whatever the session time zone. */
const utc = (day: string) => (day.length === 10 ? `${day}T00:00:00Z` : day);

export const DEFAULT_QUOTA_TEMPLATES = [
  { resource: "llm", limitUsd: "100" },
  { resource: "sandbox", limitUsd: "50" },
  { resource: "all", limitUsd: "150" },
] as const;

export const PLATFORM_QUOTAS = [
  { resource: "llm", limitUsd: "5000" },
  { resource: "sandbox", limitUsd: "1000" },
] as const;

export async function seedDefaultQuotaTemplates(sql: Sql): Promise<number> {
  return bulkInsert(
    sql,
    "default_quotas",
    [["resource", '"ResourceType"'], ["period", '"QuotaPeriod"'], ["limit_usd", "numeric"], ["warning_thresholds", "int[]"]],
    DEFAULT_QUOTA_TEMPLATES.map((t) => [t.resource, "month", t.limitUsd, "{80}"]),
    "ON CONFLICT (resource, period) DO NOTHING",
  );
}

export async function seedPlatformQuotas(sql: Sql): Promise<number> {
  return bulkInsert(
    sql,
    "quotas",
    [["scope", '"QuotaScope"'], ["resource", '"ResourceType"'], ["period", '"QuotaPeriod"'], ["limit_usd", "numeric"]],
    PLATFORM_QUOTAS.map((q) => ["platform", q.resource, "month", q.limitUsd]),
    "ON CONFLICT (resource, period) WHERE scope = 'platform' DO NOTHING",
  );
}

/**
 * Prices of the shipped list, skipping any model or tier that already has prices: an operator's
 * own rows must not be overlapped (the one-price-in-effect trigger would reject the insert).
 */
export async function seedPrices(sql: Sql): Promise<{ llm: number; sandbox: number }> {
  const llm = await bulkInsert(
    sql,
    "llm_prices",
    [["provider", "text"], ["model", "text"], ["input_usd_per_million", "numeric"], ["output_usd_per_million", "numeric"],
     ["cached_input_usd_per_million", "numeric"], ["effective_from", "timestamptz"], ["note", "text"]],
    loadLlmPrices().map((p) => [p.provider, p.model, p.inputUsdPerMillion, p.outputUsdPerMillion,
      p.cachedInputUsdPerMillion, utc(p.effectiveFrom), p.note]),
    `WHERE NOT EXISTS (SELECT 1 FROM llm_prices p WHERE p.provider = e->>0 AND p.model = e->>1)
     ON CONFLICT (provider, model, effective_from) DO NOTHING`,
  );
  const sandbox = await bulkInsert(
    sql,
    "sandbox_prices",
    [["tier", "text"], ["usd_per_second", "numeric"], ["effective_from", "timestamptz"], ["note", "text"]],
    loadSandboxPrices().map((p) => [p.tier, p.usdPerSecond, utc(p.effectiveFrom), p.note]),
    `WHERE NOT EXISTS (SELECT 1 FROM sandbox_prices p WHERE p.tier = e->>0)
     ON CONFLICT (tier, effective_from) DO NOTHING`,
  );
  return { llm, sandbox };
}

export async function seedTouchpoints(sql: Sql): Promise<number> {
  return bulkInsert(
    sql,
    "touchpoints",
    [["id", "text"], ["name", "text"], ["resource", '"ResourceType"'], ["priority", "text"], ["reserves_before_call", "boolean"]],
    loadTouchpoints().map((t) => [t.id, t.name, t.resource, t.priority, t.reservesBeforeCall]),
    "ON CONFLICT (id) DO NOTHING",
  );
}
