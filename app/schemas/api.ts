// The /api/v1 request contract: these zod schemas validate every request AND generate the
// OpenAPI document (app/services/api/openapi.server.ts), so the two cannot drift.
// Objects are strict: unknown fields are rejected, as the spec requires.
import { z } from "zod";
import { safeId } from "./text.ts";

const MAX_TOKENS = 10_000_000; // larger than any model's context: anything above is a bug upstream
const MAX_SECONDS = 86_400;

// Every string field is an id or a name: no control characters (text.ts).
const id = (what: string) => safeId().describe(what);
export const tokens = (what: string) => z.number().int().min(0).max(MAX_TOKENS).describe(what);
/** USD as a JSON number or decimal string; at most 10 decimal places, like the ledger. */
export const usd = (what: string, max = 1_000_000) =>
  z
    .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal number")])
    .transform((v) => String(v))
    .refine((v) => !/e/i.test(v) && (v.split(".")[1]?.length ?? 0) <= 10, "at most 10 decimal places")
    .refine((v) => Number(v) >= 0 && Number(v) <= max, `must be between 0 and ${max}`)
    .describe(what);

export const resource = z.enum(["llm", "sandbox"]).describe("What the money is spent on");
export const quotaResource = z.enum(["llm", "sandbox", "all"]);

const attribution = {
  tenantId: id("Tenant id (UUID) or slug"),
  userId: id("The product's own end-user id (enables user-scope quotas)").optional(),
  touchpoint: id("Where in the product the call is made, e.g. main-chat").optional(),
  conversationId: id("Conversation id, for attribution").optional(),
  taskId: id("Task id, for attribution").optional(),
};

const estimateFields = {
  provider: id("LLM provider, e.g. openai").optional(),
  model: id("LLM model, e.g. gpt-5-mini").optional(),
  inputTokens: tokens("Prompt tokens").optional(),
  maxOutputTokens: tokens("Upper bound of completion tokens").optional(),
  tier: id("Sandbox tier: standard | gpu | high-memory | high-cpu").optional(),
  expectedSeconds: z.number().int().min(1).max(MAX_SECONDS).describe("Expected sandbox run time").optional(),
  estimatedCostUsd: usd("An explicit estimate instead of tokens or seconds").optional(),
};

type Form = { name: string; fields: string[] };
/** Exactly one complete way of stating the amount. */
function oneOf(forms: Form[], v: Record<string, unknown>, ctx: z.RefinementCtx) {
  const present = forms.filter((f) => f.fields.some((k) => v[k] !== undefined));
  if (present.length !== 1) {
    ctx.addIssue({ code: "custom", path: [], message: `give exactly one of: ${forms.map((f) => f.name).join("; ")}` });
    return;
  }
  for (const k of present[0].fields) {
    if (v[k] === undefined) ctx.addIssue({ code: "custom", path: [k], message: `required with ${present[0].name}` });
  }
}

const llmEstimate: Form = { name: "provider + model + inputTokens + maxOutputTokens", fields: ["provider", "model", "inputTokens", "maxOutputTokens"] };
const sandboxEstimate: Form = { name: "tier + expectedSeconds", fields: ["tier", "expectedSeconds"] };
const explicitEstimate: Form = { name: "estimatedCostUsd", fields: ["estimatedCostUsd"] };

export const reserveBody = z
  .strictObject({
    ...attribution,
    resource,
    idempotencyKey: id("Unique per tenant; a replay returns the original reservation"),
    ...estimateFields,
    ttlSeconds: z.number().int().min(1).max(MAX_SECONDS).describe("Hold lifetime (default 900)").optional(),
  })
  .superRefine((v, ctx) => {
    oneOf([llmEstimate, sandboxEstimate, explicitEstimate], v, ctx);
    if (v.resource === "llm" && v.tier !== undefined) ctx.addIssue({ code: "custom", path: ["tier"], message: "tier is for sandbox reservations" });
    if (v.resource === "sandbox" && v.model !== undefined) ctx.addIssue({ code: "custom", path: ["model"], message: "model is for llm reservations" });
  })
  .describe("ReserveRequest");

export const settleBody = z
  .strictObject({
    inputTokens: tokens("Prompt tokens actually used").optional(),
    outputTokens: tokens("Completion tokens actually produced").optional(),
    cachedInputTokens: tokens("Part of inputTokens served from cache").optional(),
    durationMs: z.number().int().min(0).max(MAX_SECONDS * 1000).describe("Billed sandbox time").optional(),
    activeDurationMs: z.number().int().min(0).max(MAX_SECONDS * 1000).describe("Time the sandbox was executing").optional(),
    sandboxTtlSeconds: z.number().int().min(0).max(MAX_SECONDS).describe("The sandbox TTL in force").optional(),
    actualCostUsd: usd("The actual cost, when known directly").optional(),
  })
  .superRefine((v, ctx) =>
    oneOf(
      [
        { name: "inputTokens + outputTokens", fields: ["inputTokens", "outputTokens"] },
        { name: "durationMs", fields: ["durationMs"] },
        { name: "actualCostUsd", fields: ["actualCostUsd"] },
      ],
      v,
      ctx,
    ),
  )
  .describe("SettleRequest");

export const usageBody = z
  .strictObject({
    ...attribution,
    resource,
    idempotencyKey: id("Unique per tenant; a replay returns the original record"),
    provider: id("LLM provider").optional(),
    model: id("LLM model").optional(),
    inputTokens: tokens("Prompt tokens").optional(),
    outputTokens: tokens("Completion tokens").optional(),
    cachedInputTokens: tokens("Part of inputTokens served from cache").optional(),
    tier: id("Sandbox tier").optional(),
    durationMs: z.number().int().min(0).max(MAX_SECONDS * 1000).describe("Billed sandbox time").optional(),
    activeDurationMs: z.number().int().min(0).max(MAX_SECONDS * 1000).optional(),
    sandboxTtlSeconds: z.number().int().min(0).max(MAX_SECONDS).optional(),
    actualCostUsd: usd("The actual cost, when known directly").optional(),
    occurredAt: z.iso.datetime({ offset: true }).describe("Backfill: when it happened (platform keys only)").optional(),
  })
  .superRefine((v, ctx) => {
    const forms: Form[] = [
      { name: "provider + model + inputTokens + outputTokens", fields: ["provider", "model", "inputTokens", "outputTokens"] },
      { name: "tier + durationMs", fields: ["tier", "durationMs"] },
      { name: "actualCostUsd", fields: ["actualCostUsd"] },
    ];
    // provider/model may accompany an explicit cost for attribution.
    const shape = v.actualCostUsd !== undefined ? { actualCostUsd: v.actualCostUsd } : v;
    oneOf(forms, shape as Record<string, unknown>, ctx);
  })
  .describe("UsageRequest");

export const quotaStatusQuery = z
  .strictObject({ tenantId: id("Tenant id or slug"), userId: id("End-user id").optional(), resource: quotaResource.optional() })
  .describe("QuotaStatusQuery");

export const spendQuery = z
  .strictObject({
    from: z.iso.date().describe("First day (UTC), inclusive; default 30 days ago").optional(),
    to: z.iso.date().describe("Last day (UTC), inclusive; default today").optional(),
    groupBy: z.enum(["day", "model", "user", "touchpoint", "resource"]).default("day"),
  })
  .describe("SpendQuery");

export const anomaliesQuery = z
  .strictObject({
    from: z.iso.date().describe("First day (UTC), inclusive; default 30 days ago").optional(),
    to: z.iso.date().describe("Last day (UTC), inclusive; default today").optional(),
    status: z.enum(["open", "acknowledged", "dismissed"]).describe("Only findings with this review status").optional(),
  })
  .describe("AnomaliesQuery");

export type ReserveBody = z.infer<typeof reserveBody>;
export type SettleBody = z.infer<typeof settleBody>;
export type UsageBody = z.infer<typeof usageBody>;
