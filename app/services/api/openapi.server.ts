// The OpenAPI 3.1 document of /api/v1, GENERATED: request bodies and query parameters come from
// the zod schemas that validate the requests (z.toJSONSchema with io "input", so defaults are
// optional and transforms are described by what they accept). Response shapes are zod schemas
// too, declared here beside the endpoint table; the API tests validate real responses against
// them, so the document cannot silently drift from the code.
//
// What JSON Schema cannot carry: zod refinements (e.g. "exactly one of tokens, seconds or an
// amount", "thresholds ascending") are dropped by the converter; the operation descriptions
// state them instead.
import { z } from "zod";
import * as admin from "~/schemas/admin.ts";
import * as api from "~/schemas/api.ts";

// ---- response shapes (documentation only: the presenters build the bodies) -----------------

const usd = z.number().describe("USD, rounded to 6 decimals");
const rateUsd = z.number().describe("USD rate at its stored precision (10 decimals)");
const time = z.iso.datetime();
const scope = z.enum(["platform", "tenant", "user"]);
const quotaResource = z.enum(["llm", "sandbox", "all"]);
const period = z.enum(["day", "week", "month"]);

const Warning = z.strictObject({
  code: z.enum(["threshold_reached", "soft_limit_exceeded", "enforcement_disabled", "late_settle", "over_estimate", "spooled"]),
  message: z.string(),
  quotaId: z.string().optional(),
  scope: scope.optional(),
  scopeId: z.string().nullable().optional(),
  thresholdPercent: z.number().optional(),
  utilizationPercent: z.number().optional(),
});
const Reservation = z.strictObject({
  reservationId: z.string(),
  status: z.literal("held"),
  estimatedCostUsd: usd,
  expiresAt: time,
  warnings: z.array(Warning),
});
const SettleResult = z.strictObject({
  reservationId: z.string(),
  status: z.literal("settled"),
  costRecordId: z.string(),
  actualCostUsd: usd,
  estimatedCostUsd: usd,
  late: z.boolean().describe("Settled after the hold expired (the cost is still recorded)"),
  warnings: z.array(Warning),
});
const ReleaseResult = z.strictObject({ reservationId: z.string(), status: z.enum(["released", "expired"]) });
const UsageResult = z.strictObject({ costRecordId: z.string(), costUsd: usd, warnings: z.array(Warning) });
const QuotaStatus = z.strictObject({
  quotaId: z.string(),
  scope,
  scopeId: z.string().nullable(),
  resourceType: quotaResource,
  period,
  limitUsd: usd,
  spentUsd: usd,
  reservedUsd: usd,
  remainingUsd: usd,
  utilizationPercent: z.number(),
  resetsAt: time,
  enforcement: z.enum(["hard", "soft"]),
});
const QuotaStatusList = z.strictObject({ quotas: z.array(QuotaStatus) });
const SpendReport = z.strictObject({
  tenantId: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  groupBy: z.enum(["day", "model", "user", "touchpoint", "resource"]),
  rows: z.array(
    z.strictObject({
      key: z.string().nullable().describe("Day (YYYY-MM-DD), provider/model, user id, touchpoint or resource; null = not reported"),
      costUsd: usd,
      records: z.number().int(),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
    }),
  ),
  totalUsd: usd,
});
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
const Forecast = z.strictObject({
  quotaId: z.string(),
  scope,
  scopeId: z.string().nullable(),
  resourceType: quotaResource,
  period,
  periodStart: time.describe("Start of the current period the forecast is for"),
  limitUsd: usd,
  spentUsd: usd.describe("Spend recorded in the period so far"),
  forecastUsd: usd.describe("Projected spend at the end of the period"),
  lowUsd: usd.describe("Lower bound of the 80% interval"),
  highUsd: usd.describe("Upper bound of the 80% interval"),
  breachAt: time.nullable().describe("When spend is projected to reach the limit (at or before computedAt: already reached); null if not this period"),
  computedAt: time,
});
const ForecastList = z.strictObject({ forecasts: z.array(Forecast) });
const Anomaly = z.strictObject({
  id: z.string(),
  date: z.iso.date().describe("UTC day"),
  hour: z.number().int().min(0).max(23).nullable().describe("UTC hour of an hourly spike; null for a daily finding"),
  resourceType: z.enum(["llm", "sandbox"]),
  actualUsd: usd,
  expectedUsd: usd.describe("The weekday-aware baseline (daily) or the same hour's median (hourly)"),
  score: z.number().describe("Robust z-score: (actual − expected) / (1.4826 × MAD, floored)"),
  severity: z.enum(["low", "medium", "high"]),
  status: z.enum(["open", "acknowledged", "dismissed"]),
});
const AnomalyList = z.strictObject({ tenantId: z.string(), from: z.iso.date(), to: z.iso.date(), anomalies: z.array(Anomaly) });
const AnalysisRun = z.strictObject({
  ran: z.literal(true),
  anomalies: z.strictObject({
    daily: z.number().int().describe("Daily findings in the re-judged window (last 60 days)"),
    hourly: z.number().int().describe("Hourly spikes in the last 24 hours"),
    new: z.number().int().describe("Findings stored for the first time by this run"),
  }),
  forecasts: z.strictObject({ written: z.number().int(), breaches: z.number().int().describe("Quotas projected to reach their limit this period") }),
  ttlAdvice: z.strictObject({
    pairs: z.number().int().describe("Tenant × touchpoint pairs with sandbox runs in the last 30 days (the stored advice rows)"),
    recommended: z.number().int().describe("Pairs with a recommended TTL (their runs report active time)"),
    monthlySavingUsd: z.number().describe("Projected monthly saving of every recommendation together"),
  }),
  alertsEnqueued: z.number().int(),
  durationMs: z.number().int(),
});
const Health = z.strictObject({ status: z.literal("ok") });
const Readiness = z.strictObject({
  status: z.enum(["ready", "unavailable"]),
  database: z.enum(["ok", "unreachable"]),
  spoolBacklog: z.number().int().describe("Fail-open costs waiting to be replayed"),
});
const Issue = z.strictObject({ path: z.string(), message: z.string() });
const ValidationError = z.strictObject({ error: z.enum(["invalid_request", "unknown_price"]), message: z.string(), issues: z.array(Issue) });
const error = (code: string) => z.strictObject({ error: z.literal(code), message: z.string() });
const QuotaExceeded = z.strictObject({
  error: z.literal("quota_exceeded"),
  message: z.string(),
  resourceType: z.enum(["llm", "sandbox"]),
  quotaDetails: z.strictObject({
    scope,
    scopeId: z.string().nullable(),
    resourceType: quotaResource,
    limitUsd: usd,
    currentSpendUsd: usd.describe("spent + reserved before this request"),
    estimatedCostUsd: usd,
    remainingUsd: usd,
    period,
    utilizationPercent: z.number(),
  }),
  retryAfter: z.number().int().describe("Seconds until the binding quota's period resets (= Retry-After)"),
});

const responseSchemas = {
  Warning, Reservation, SettleResult, ReleaseResult, UsageResult, QuotaStatus, QuotaStatusList, SpendReport,
  Forecast, ForecastList, Anomaly, AnomalyList, AnalysisRun,
  Quota, QuotaList, Tenant, TenantDetail, TenantList, LlmPrice, SandboxPrice, LlmPriceList, SandboxPriceList,
  LlmPriceCreated, SandboxPriceCreated, Health, Readiness, ValidationError, QuotaExceeded,
  UnauthorizedError: error("unauthorized"),
  ForbiddenError: error("forbidden"),
  NotFoundError: error("not_found"),
  ConflictError: error("conflict"),
  PayloadTooLargeError: error("payload_too_large"),
  UnsupportedMediaTypeError: error("unsupported_media_type"),
  QuotaUnavailableError: error("quota_unavailable"),
};

const requestSchemas = {
  ReserveRequest: api.reserveBody,
  SettleRequest: api.settleBody,
  UsageRequest: api.usageBody,
  CreateTenantRequest: admin.createTenantBody,
  CreateQuotaRequest: admin.createQuotaBody,
  UpdateQuotaRequest: admin.updateQuotaBody,
  CreateLlmPriceRequest: admin.createLlmPriceBody,
  CreateSandboxPriceRequest: admin.createSandboxPriceBody,
};

// ---- the endpoint table ------------------------------------------------------------------

type ResponseName = keyof typeof responseSchemas;
type Auth = "key" | "platform" | "public";
interface Endpoint {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  body?: keyof typeof requestSchemas;
  query?: z.ZodType;
  /** The endpoint's own answers (success, and /readyz's 503), beyond the shared error responses. */
  ok: [status: number, schema: ResponseName | null, description: string][];
  /** Error statuses besides those implied by auth and body (401/403, 400/413/415). */
  errors?: number[];
}

const METERING = "Metering";
const ANALYSIS = "Analysis";
const ADMIN = "Administration";
const ONE_ESTIMATE = "Give exactly one way of stating the amount: provider + model + inputTokens + maxOutputTokens (llm), tier + expectedSeconds (sandbox), or estimatedCostUsd.";

export const endpoints: Endpoint[] = [
  {
    method: "post", path: "/api/v1/reservations", tag: METERING, auth: "key", body: "ReserveRequest",
    summary: "Reserve an estimated cost against every applicable quota",
    description: `${ONE_ESTIMATE} Over a hard limit: 429 (as an SSE stream when Accept: text/event-stream). The same idempotencyKey returns the original hold (200); with a different body, 409.`,
    ok: [[201, "Reservation", "Held"], [200, "Reservation", "Replay of an earlier request with this idempotency key"]],
    errors: [404, 409, 429, 503],
  },
  {
    method: "post", path: "/api/v1/reservations/{id}/settle", tag: METERING, auth: "key", body: "SettleRequest",
    summary: "Settle a reservation with the actual usage",
    description: "Give inputTokens + outputTokens (llm), durationMs (sandbox) or actualCostUsd. Settling twice returns the first result; a released reservation is 409.",
    ok: [[200, "SettleResult", "Settled (or the earlier settlement)"]],
    errors: [404, 409, 503],
  },
  {
    method: "post", path: "/api/v1/reservations/{id}/release", tag: METERING, auth: "key",
    summary: "Release a reservation without cost", ok: [[200, "ReleaseResult", "Released (or already expired)"]], errors: [404, 409, 503],
  },
  {
    method: "post", path: "/api/v1/usage", tag: METERING, auth: "key", body: "UsageRequest",
    summary: "Record a cost known only after the fact (one-shot check and record)",
    description: "Give provider + model + inputTokens + outputTokens, tier + durationMs, or actualCostUsd. occurredAt (backfill; platform keys only, not in the future, at most 400 days back) prices and counts the cost at that time and is never denied.",
    ok: [[201, "UsageResult", "Recorded"], [200, "UsageResult", "Replay of an earlier request with this idempotency key"]],
    errors: [404, 409, 429, 503],
  },
  {
    method: "get", path: "/api/v1/quota-status", tag: METERING, auth: "key", query: api.quotaStatusQuery,
    summary: "The quotas that apply to a tenant (and user) in their current periods", ok: [[200, "QuotaStatusList", "Quota states"]], errors: [400, 404, 503],
  },
  {
    method: "get", path: "/api/v1/tenants/{tenantId}/spend", tag: METERING, auth: "key", query: api.spendQuery,
    summary: "A tenant's spend, grouped", ok: [[200, "SpendReport", "Spend rows (from the daily rollups)"]], errors: [400, 404],
  },
  {
    method: "get", path: "/api/v1/tenants/{tenantId}/forecasts", tag: ANALYSIS, auth: "key",
    summary: "Forecasts of the tenant's quotas (tenant and user scope) for their current periods",
    description: "Written by the analysis job (every ANALYSIS_INTERVAL_HOURS, or POST /api/v1/analysis/run); a quota the job has not reached this period is absent.",
    ok: [[200, "ForecastList", "Forecasts"]], errors: [404],
  },
  {
    method: "get", path: "/api/v1/tenants/{tenantId}/anomalies", tag: ANALYSIS, auth: "key", query: api.anomaliesQuery,
    summary: "The tenant's anomaly findings (daily and hourly), newest first", ok: [[200, "AnomalyList", "Findings"]], errors: [400, 404],
  },
  {
    method: "post", path: "/api/v1/analysis/run", tag: ANALYSIS, auth: "platform",
    summary: "Run the analysis now (anomalies, forecasts, sandbox TTL advice, alerts); answers when it is done",
    description: "409 when another instance is running it at this moment.",
    ok: [[200, "AnalysisRun", "Summary of the run"]], errors: [409],
  },
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
    description: "platform: no tenantId or scopeId; tenant: tenantId; user: tenantId and scopeId (the end-user id). limitUsd > 0; warningThresholds 1–100, ascending, no repeats. One quota per scope, resource and period (409).",
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
  { method: "get", path: "/api/v1/openapi.json", tag: "Meta", auth: "public", summary: "This document", ok: [[200, null, "OpenAPI 3.1 document"]] },
  { method: "get", path: "/healthz", tag: "Meta", auth: "public", summary: "Liveness (no database)", ok: [[200, "Health", "The process is up"]] },
  {
    method: "get", path: "/readyz", tag: "Meta", auth: "public", summary: "Readiness: the database answers within 2 s",
    ok: [[200, "Readiness", "Ready"], [503, "Readiness", "The database does not answer"]],
  },
];

// ---- assembling the document ---------------------------------------------------------------

const REF = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: string) => ({ "application/json": { schema: REF(name) } });
const retryAfter = (description: string) => ({ "Retry-After": { description, schema: { type: "integer", minimum: 1 } } });

const errorResponses: Record<number, [string, object]> = {
  400: ["BadRequest", { description: "Invalid input (invalid_request) or no price in effect for the model/tier (unknown_price); nothing was written", content: jsonContent("ValidationError") }],
  401: ["Unauthorized", { description: "Missing, malformed or revoked API key", content: jsonContent("UnauthorizedError") }],
  403: ["Forbidden", { description: "A tenant-bound key acting for another tenant, or on a platform-only endpoint", content: jsonContent("ForbiddenError") }],
  404: ["NotFound", { description: "No such tenant, reservation or quota", content: jsonContent("NotFoundError") }],
  409: ["Conflict", { description: "Conflicts with existing state (duplicate, idempotency key reused with another body, settle of a released reservation, overlapping price)", content: jsonContent("ConflictError") }],
  413: ["PayloadTooLarge", { description: "Body larger than 64 KiB", content: jsonContent("PayloadTooLargeError") }],
  415: ["UnsupportedMediaType", { description: "Body not sent as application/json", content: jsonContent("UnsupportedMediaTypeError") }],
  429: [
    "QuotaExceeded",
    {
      description: "Over a hard quota. With Accept: text/event-stream the body is the stream `event: error` (this JSON) then `event: done` (`{\"status\":\"quota_exceeded\"}`).",
      headers: retryAfter("Seconds until the binding quota's period resets; equals retryAfter"),
      content: {
        "application/json": { schema: REF("QuotaExceeded") },
        "text/event-stream": {
          schema: { type: "string" },
          example: 'event: error\ndata: {"error":"quota_exceeded",...}\n\nevent: done\ndata: {"status":"quota_exceeded"}\n\n',
        },
      },
    },
  ],
  503: ["QuotaUnavailable", { description: "The quota store is unreachable (fail mode closed)", headers: retryAfter("Seconds to wait"), content: jsonContent("QuotaUnavailableError") }],
};

function componentSchemas() {
  const strip = (s: Record<string, unknown>) => {
    const { $schema: _s, $id: _i, ...rest } = s;
    return rest;
  };
  const convert = (schemas: Record<string, z.ZodType>, io: "input" | "output") => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
    const { schemas: out } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Record<string, unknown>> };
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, strip(v)]));
  };
  return { ...convert(responseSchemas, "output"), ...convert(requestSchemas, "input") };
}

function queryParameters(schema: z.ZodType) {
  const js = z.toJSONSchema(schema, { io: "input" }) as { properties?: Record<string, any>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: "query", required: js.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

function operation(e: Endpoint) {
  const parameters = [
    ...[...e.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: "path",
      required: true,
      description: name === "tenantId" ? "Tenant id (UUID) or slug" : "Id (UUID)",
      schema: { type: "string" },
    })),
    ...(e.query ? queryParameters(e.query) : []),
  ];
  const statuses = new Set<number>(e.errors ?? []);
  if (e.auth !== "public") [401, 403].forEach((s) => statuses.add(s));
  if (e.body) [400, 413, 415].forEach((s) => statuses.add(s));
  const responses: Record<string, unknown> = {};
  for (const [status, schema, description] of e.ok) {
    responses[String(status)] = schema ? { description, content: jsonContent(schema) } : { description };
  }
  for (const s of [...statuses].sort((a, b) => a - b)) {
    const [name] = errorResponses[s];
    responses[String(s)] = { $ref: `#/components/responses/${name}` };
  }
  return {
    tags: [e.tag],
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    operationId: `${e.method}${e.path.replace(/^\/api\/v1/, "").replace(/\{(\w+)\}/g, "By-$1").replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase())}`,
    ...(e.auth === "public" ? { security: [] } : {}),
    ...(e.auth === "platform" ? { "x-platform-key-only": true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(e.body ? { requestBody: { required: true, content: jsonContent(e.body) } } : {}),
    responses,
  };
}

let cached: object | undefined;

/** The document, built once per process (it depends only on code). */
export function openApiDocument(): object {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) (paths[e.path] ??= {})[e.method] = operation(e);
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Tollgate API",
      version: "1",
      description:
        "Reserve, settle and record the cost of LLM calls and sandbox runs against budgets, and administer tenants, quotas and prices. " +
        "Authenticate with `Authorization: Bearer tg_…`. Administration endpoints (x-platform-key-only) need a platform-wide key; a tenant-bound key may act only for its tenant. " +
        "Money is USD as JSON numbers rounded to 6 decimals; requests may send amounts as numbers or decimal strings. Unknown fields and query parameters are rejected.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }],
    tags: [{ name: METERING }, { name: ANALYSIS }, { name: ADMIN }, { name: "Meta" }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "An API key: tg_ followed by 43 URL-safe characters" } },
      schemas: componentSchemas(),
      responses: Object.fromEntries(Object.values(errorResponses).map(([name, r]) => [name, r])),
    },
  };
  return cached;
}
