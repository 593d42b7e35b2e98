// The analysis endpoints of SPEC §5: a tenant's forecasts (current periods) and anomaly
// findings, and running the analysis on demand (platform keys only; answers when it is done).
import { toJson } from "~/core/index.ts";
import { anomaliesQuery } from "~/schemas/api.ts";
import { runAnalysis } from "../analysis/job.server.ts";
import { listAnomalies, listForecasts } from "../analysis/queries.server.ts";
import { resolveTenant, type ApiContext } from "./handler.server.ts";
import { parseQuery } from "./request.server.ts";
import { ApiError, json } from "./respond.server.ts";

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function tenantForecasts({ params, key }: ApiContext) {
  const tenant = await resolveTenant(key, params.tenantId ?? "");
  const forecasts = await listForecasts({ tenantId: tenant.id });
  return json({
    forecasts: forecasts.map((f) => ({
      quotaId: f.quotaId,
      scope: f.scope,
      scopeId: f.scopeId,
      resourceType: f.resource,
      period: f.period,
      periodStart: f.periodStart,
      limitUsd: toJson(f.limitUsd),
      spentUsd: toJson(f.spentUsd),
      forecastUsd: toJson(f.forecastUsd),
      lowUsd: toJson(f.lowUsd),
      highUsd: toJson(f.highUsd),
      breachAt: f.breachAt,
      computedAt: f.computedAt,
    })),
  });
}

export async function tenantAnomalies({ request, params, key }: ApiContext) {
  const q = parseQuery(request, anomaliesQuery);
  const tenant = await resolveTenant(key, params.tenantId ?? "");
  const from = q.from ?? isoDay(Date.now() - 30 * DAY_MS);
  const to = q.to ?? isoDay(Date.now());
  if (from > to) throw new ApiError(400, "invalid_request", "from is after to.", [{ path: "from", message: "must not be after to" }]);
  const anomalies = await listAnomalies({ tenantId: tenant.id, from, to, status: q.status, limit: 5000 });
  return json({
    tenantId: tenant.id,
    from,
    to,
    anomalies: anomalies.map((a) => ({
      id: a.id,
      date: a.day,
      hour: a.hour,
      resourceType: a.resource,
      actualUsd: toJson(a.actualUsd),
      expectedUsd: toJson(a.expectedUsd),
      score: a.score,
      severity: a.severity,
      status: a.status,
    })),
  });
}

export async function runAnalysisNow() {
  const summary = await runAnalysis();
  if (!summary.ran) throw new ApiError(409, "conflict", "The analysis is already running in another instance; try again shortly.");
  return json({ ...summary, ttlAdvice: { ...summary.ttlAdvice, monthlySavingUsd: toJson(summary.ttlAdvice.monthlySavingUsd) } });
}
