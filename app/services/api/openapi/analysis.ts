// Analysis in the OpenAPI document: forecasts, anomaly findings, and a run on demand.
import { z } from "zod";
import * as api from "~/schemas/api.ts";
import { period, quotaResource, scope, time, usd, type Endpoint } from "./shapes.ts";

export const ANALYSIS = "Analysis";

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
  pruned: z
    .strictObject({
      deleted: z.number().int().describe("Old periods' per-user usage rows deleted (USER_USAGE_KEEP_PERIODS)"),
      batches: z.number().int(),
      kept: z.number().int().describe("Old per-user rows left in place: named by an open hold, or busy"),
    })
    .describe("Pruning of per-user default rows (each_user) after the analysis"),
  durationMs: z.number().int(),
});

export const analysisResponses = { Forecast, ForecastList, Anomaly, AnomalyList, AnalysisRun };

export const analysisEndpoints: Endpoint<keyof typeof analysisResponses>[] = [
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
];
