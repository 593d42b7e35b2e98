// Administration in the OpenAPI document (platform keys): tenants, quotas and effective-dated
// prices. Request bodies and queries are the zod schemas the API and the panel's forms share
// (app/schemas/admin.ts).
import { z } from "zod";
import * as admin from "~/schemas/admin.ts";
import { period, quotaResource, rateUsd, scope, time, usd, type Endpoint } from "./shapes.ts";

export const ADMIN = "Administration";

const Quota = z.strictObject({
  id: z.string(),
  scope,
  scopeId: z.string().nullable(),
  tenantId: z.string().nullable(),
  resourceType: quotaResource,
  period,
  limitUsd: usd,
  warningThresholds: z.array(z.number().int()),
  enforcement: z.enum(["hard", "soft"]),
  enabled: z.boolean(),
  createdAt: time,
  updatedAt: time,
});
const QuotaList = z.strictObject({ quotas: z.array(Quota) });
const tenantFields = { id: z.string(), slug: z.string(), name: z.string(), status: z.enum(["active", "suspended"]), createdAt: time };
const Tenant = z.strictObject(tenantFields);
const TenantDetail = z.strictObject({ ...tenantFields, quotas: z.array(Quota) });
const TenantList = z.strictObject({ tenants: z.array(Tenant) });
const priceDates = { effectiveFrom: time, effectiveTo: time.nullable(), note: z.string(), createdAt: time };
const LlmPrice = z.strictObject({
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  inputUsdPerMillion: rateUsd,
  outputUsdPerMillion: rateUsd,
  cachedInputUsdPerMillion: rateUsd.nullable(),
  ...priceDates,
});
const SandboxPrice = z.strictObject({ id: z.string(), tier: z.string(), usdPerSecond: rateUsd, ...priceDates });
const LlmPriceList = z.strictObject({ prices: z.array(LlmPrice) });
const SandboxPriceList = z.strictObject({ prices: z.array(SandboxPrice) });
const LlmPriceCreated = z.strictObject({ price: LlmPrice, closed: LlmPrice.nullable().describe("The previous price, now ended at effectiveFrom") });
const SandboxPriceCreated = z.strictObject({ price: SandboxPrice, closed: SandboxPrice.nullable() });

export const adminResponses = {
  Quota, QuotaList, Tenant, TenantDetail, TenantList, LlmPrice, SandboxPrice, LlmPriceList, SandboxPriceList, LlmPriceCreated, SandboxPriceCreated,
};
export const adminRequests = {
  CreateTenantRequest: admin.createTenantBody,
  CreateQuotaRequest: admin.createQuotaBody,
  UpdateQuotaRequest: admin.updateQuotaBody,
  CreateLlmPriceRequest: admin.createLlmPriceBody,
  CreateSandboxPriceRequest: admin.createSandboxPriceBody,
};

export const adminEndpoints: Endpoint<keyof typeof adminResponses, keyof typeof adminRequests>[] = [
  {
    method: "get", path: "/api/v1/tenants", tag: ADMIN, auth: "platform", query: admin.tenantListQuery,
    summary: "List tenants", ok: [[200, "TenantList", "Tenants"]], errors: [400],
  },
  {
    method: "post", path: "/api/v1/tenants", tag: ADMIN, auth: "platform", body: "CreateTenantRequest",
    summary: "Create a tenant (its default quotas are created from the templates)", ok: [[201, "TenantDetail", "Created"]], errors: [409],
  },
  {
    method: "get", path: "/api/v1/tenants/{tenantId}", tag: ADMIN, auth: "platform",
    summary: "A tenant, by id or slug, with its quotas", ok: [[200, "TenantDetail", "The tenant"]], errors: [404],
  },
  {
    method: "get", path: "/api/v1/quotas", tag: ADMIN, auth: "platform", query: admin.quotaListQuery,
    summary: "List quotas", ok: [[200, "QuotaList", "Quotas"]], errors: [400, 404],
  },
  {
    method: "post", path: "/api/v1/quotas", tag: ADMIN, auth: "platform", body: "CreateQuotaRequest",
    summary: "Create a quota",
    description: "platform: no tenantId or scopeId; tenant: tenantId; user: tenantId and scopeId (the end-user id); each_user (a default cap for every end user separately): tenantId for that tenant's, none for the platform-wide one, never scopeId. limitUsd > 0; warningThresholds 1–100, ascending, no repeats. One quota per scope, resource and period (409).",
    ok: [[201, "Quota", "Created"]], errors: [404, 409],
  },
  { method: "get", path: "/api/v1/quotas/{id}", tag: ADMIN, auth: "platform", summary: "A quota", ok: [[200, "Quota", "The quota"]], errors: [404] },
  {
    method: "patch", path: "/api/v1/quotas/{id}", tag: ADMIN, auth: "platform", body: "UpdateQuotaRequest",
    summary: "Change a quota's limit, thresholds, enforcement or enabled flag",
    description: "The current period's usage is kept on a limit change; re-enabling a quota restarts its current period from the spend recorded in it.",
    ok: [[200, "Quota", "The changed quota"]], errors: [404],
  },
  { method: "delete", path: "/api/v1/quotas/{id}", tag: ADMIN, auth: "platform", summary: "Delete a quota", ok: [[204, null, "Deleted"]], errors: [404] },
  {
    method: "get", path: "/api/v1/prices/llm", tag: ADMIN, auth: "platform", query: admin.llmPriceQuery,
    summary: "LLM price history (or the prices in effect ?at=)", ok: [[200, "LlmPriceList", "Prices, newest first per model"]], errors: [400],
  },
  {
    method: "post", path: "/api/v1/prices/llm", tag: ADMIN, auth: "platform", body: "CreateLlmPriceRequest",
    summary: "Add an LLM price; it closes the model's current price at effectiveFrom",
    description: "effectiveFrom defaults to now and must be after the start of the model's latest price (409 otherwise).",
    ok: [[201, "LlmPriceCreated", "Created"]], errors: [409],
  },
  {
    method: "get", path: "/api/v1/prices/sandbox", tag: ADMIN, auth: "platform", query: admin.sandboxPriceQuery,
    summary: "Sandbox rate history (or the rates in effect ?at=)", ok: [[200, "SandboxPriceList", "Rates, newest first per tier"]], errors: [400],
  },
  {
    method: "post", path: "/api/v1/prices/sandbox", tag: ADMIN, auth: "platform", body: "CreateSandboxPriceRequest",
    summary: "Add a sandbox rate; it closes the tier's current rate at effectiveFrom",
    description: "effectiveFrom defaults to now and must be after the start of the tier's latest rate (409 otherwise).",
    ok: [[201, "SandboxPriceCreated", "Created"]], errors: [409],
  },
];
