// The administration contract (tenants, quotas, prices) shared by /api/v1 and the control
// panel's forms. Like app/schemas/api.ts these schemas validate requests AND generate the
// OpenAPI document, so the two cannot drift. Objects are strict: unknown fields are rejected.
import { z } from "zod";
import { quotaResource, usd } from "./api.ts";
import { safeId, safeText } from "./text.ts";

const MAX_LIMIT_USD = 1_000_000_000; // NUMERIC(24,10) holds 10^14; a billion-dollar cap is already a typo
const MAX_RATE_USD = 100_000;

export const tenantSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lowercase letters, digits and dashes, 2–63 characters, not starting with a dash")
  .describe("URL name of the tenant, e.g. acme");

export const createTenantBody = z
  .strictObject({
    slug: tenantSlug,
    name: safeId().describe("Display name"),
  })
  .describe("Creates a tenant; its default quotas are created from the templates");

export const tenantListQuery = z
  .strictObject({ status: z.enum(["active", "suspended"]).describe("Only tenants with this status").optional() })
  .describe("Tenant list filters");

export const quotaScope = z.enum(["platform", "tenant", "user", "each_user"]);
export const quotaPeriod = z.enum(["day", "week", "month"]).describe("UTC calendar period (ISO weeks start on Monday)");
export const enforcement = z.enum(["hard", "soft"]).describe("hard denies over the limit; soft only warns");

export const limitUsd = usd("The cap in USD per period (> 0)", MAX_LIMIT_USD).refine((v) => Number(v) > 0, "must be greater than 0");

/** Percentages of the limit that warn once per period: whole numbers 1–100, ascending, no repeats. */
export const warningThresholds = z
  .array(z.number().int().min(1).max(100))
  .max(10)
  .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]), "must be ascending without repeats")
  .describe("Warning thresholds in percent of the limit, ascending, e.g. [80, 90]");

const idOrSlug = (what: string) => safeId().describe(what);

export const createQuotaBody = z
  .strictObject({
    scope: quotaScope.describe(
      "platform: everything; tenant: one tenant; user: one end user of a tenant; each_user: a default cap for every end user separately — of that tenant (tenantId) or of every tenant (no tenantId)",
    ),
    tenantId: idOrSlug("Tenant id or slug (tenant and user scope; each_user: that tenant's default, absent for the platform-wide one)").optional(),
    scopeId: idOrSlug("user scope: the product's end-user id; tenant scope: the tenant id (SPEC §3; or give tenantId, or both alike); platform: absent").optional(),
    resource: quotaResource.describe("llm, sandbox, or all spend"),
    period: quotaPeriod,
    limitUsd,
    warningThresholds: warningThresholds.optional(),
    enforcement: enforcement.optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scope === "platform") {
      for (const k of ["tenantId", "scopeId"] as const) {
        if (v[k] !== undefined) ctx.addIssue({ code: "custom", path: [k], message: "platform quotas have no tenant or scope id" });
      }
    } else if (v.scope === "each_user") {
      // A default names no user: it applies to each one (ADR 0016).
      if (v.scopeId !== undefined) ctx.addIssue({ code: "custom", path: ["scopeId"], message: "a per-user default has no scope id (it applies to every end user)" });
    } else if (v.tenantId === undefined && !(v.scope === "tenant" && v.scopeId !== undefined)) {
      // SPEC §3: a tenant quota's scopeId is the tenant's id, so either field names the tenant.
      ctx.addIssue({ code: "custom", path: ["tenantId"], message: v.scope === "tenant" ? "required for tenant quotas (or give the tenant id as scopeId)" : "required for user quotas" });
    }
    if (v.scope === "user" && v.scopeId === undefined) {
      ctx.addIssue({ code: "custom", path: ["scopeId"], message: "the end-user id is required for user quotas" });
    }
  })
  .describe("Creates a quota");

export const updateQuotaBody = z
  .strictObject({
    limitUsd: limitUsd.optional(),
    warningThresholds: warningThresholds.optional(),
    enforcement: enforcement.optional(),
    enabled: z.boolean().describe("Re-enabling restarts the current period from its recorded spend").optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), "change at least one of limitUsd, warningThresholds, enforcement, enabled")
  .describe("Changes a quota (scope, resource and period are fixed: create another quota instead)");

export const quotaListQuery = z
  .strictObject({
    scope: quotaScope.optional(),
    scopeId: safeText().min(1).max(200).describe("Exact scope id (tenant id or end-user id)").optional(),
    tenantId: idOrSlug("Quotas of this tenant (tenant and user scope)").optional(),
    resource: quotaResource.optional(),
  })
  .describe("Quota list filters");

const isoTime = (what: string) => z.iso.datetime({ offset: true }).describe(what);

export const createLlmPriceBody = z
  .strictObject({
    provider: safeId(100).describe("e.g. openai"),
    model: safeId().describe("e.g. gpt-5-mini"),
    inputUsdPerMillion: usd("USD per million input tokens", MAX_RATE_USD),
    outputUsdPerMillion: usd("USD per million output tokens", MAX_RATE_USD),
    cachedInputUsdPerMillion: usd("USD per million cached input tokens", MAX_RATE_USD).optional(),
    effectiveFrom: isoTime("When the price starts (default now); closes the price in effect then").optional(),
    note: safeText({ multiline: true }).max(500).optional(),
  })
  .describe("Adds an LLM price");

export const sandboxTier = z.enum(["standard", "gpu", "high-memory", "high-cpu"]);

export const createSandboxPriceBody = z
  .strictObject({
    tier: sandboxTier,
    usdPerSecond: usd("USD per billed sandbox second", MAX_RATE_USD),
    effectiveFrom: isoTime("When the rate starts (default now); closes the rate in effect then").optional(),
    note: safeText({ multiline: true }).max(500).optional(),
  })
  .describe("Adds a sandbox rate");

export const llmPriceQuery = z
  .strictObject({
    provider: safeText().min(1).max(100).optional(),
    model: safeText().min(1).max(200).optional(),
    at: isoTime("Only the prices in effect at this instant").optional(),
  })
  .describe("LLM price list filters");

export const sandboxPriceQuery = z
  .strictObject({ tier: sandboxTier.optional(), at: isoTime("Only the rates in effect at this instant").optional() })
  .describe("Sandbox price list filters");

export type CreateTenantBody = z.infer<typeof createTenantBody>;
export type CreateQuotaBody = z.infer<typeof createQuotaBody>;
export type UpdateQuotaBody = z.infer<typeof updateQuotaBody>;
export type QuotaListQuery = z.infer<typeof quotaListQuery>;
export type CreateLlmPriceBody = z.infer<typeof createLlmPriceBody>;
export type CreateSandboxPriceBody = z.infer<typeof createSandboxPriceBody>;
export type LlmPriceQuery = z.infer<typeof llmPriceQuery>;
export type SandboxPriceQuery = z.infer<typeof sandboxPriceQuery>;
