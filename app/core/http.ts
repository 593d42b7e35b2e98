// The 429 of SPEC §5, as JSON or as a Server-Sent-Events stream, with Retry-After.
// Plain Fetch API Responses: usable from Remix, express adapters or any fetch-style server.
import { toJson } from "./money.ts";
import { describe } from "./decide.ts";
import type { QuotaDenial, Resource } from "./types.ts";

export interface QuotaExceededBody {
  error: "quota_exceeded";
  message: string;
  resourceType: Resource;
  quotaDetails: {
    scope: QuotaDenial["scope"];
    scopeId: string | null;
    resourceType: QuotaDenial["resourceType"];
    limitUsd: number;
    currentSpendUsd: number;
    estimatedCostUsd: number;
    remainingUsd: number;
    period: QuotaDenial["period"];
    utilizationPercent: number;
  };
  retryAfter: number;
}

export function quotaExceededBody(denial: QuotaDenial, resource: Resource): QuotaExceededBody {
  const quota = describe({ ...denial, resource: denial.resourceType });
  return {
    error: "quota_exceeded",
    message:
      `The ${quota} is exhausted: $${denial.currentSpendUsd.toFixed(2)} used or held, ` +
      `$${denial.remainingUsd.toFixed(2)} left, this request needs $${denial.estimatedCostUsd.toFixed(6)}. ` +
      `It resets at ${denial.resetsAt.toISOString()}.`,
    resourceType: resource,
    quotaDetails: {
      scope: denial.scope,
      scopeId: denial.scopeId,
      resourceType: denial.resourceType,
      limitUsd: toJson(denial.limitUsd),
      currentSpendUsd: toJson(denial.currentSpendUsd),
      estimatedCostUsd: toJson(denial.estimatedCostUsd),
      remainingUsd: toJson(denial.remainingUsd),
      period: denial.period,
      utilizationPercent: denial.utilizationPercent,
    },
    retryAfter: denial.retryAfterSeconds,
  };
}

/** The SSE form: an `error` event with the JSON body, then `done`. */
export function quotaExceededEventStream(body: QuotaExceededBody): string {
  return `event: error\ndata: ${JSON.stringify(body)}\n\nevent: done\ndata: {"status":"quota_exceeded"}\n\n`;
}

export function wantsEventStream(accept: string | null | undefined): boolean {
  return !!accept && accept.split(",").some((part) => part.trim().toLowerCase().startsWith("text/event-stream"));
}

/** 429 with Retry-After; SSE when the client asked for `text/event-stream`. */
export function quotaExceededResponse(denial: QuotaDenial, resource: Resource, accept?: string | null): Response {
  const body = quotaExceededBody(denial, resource);
  const headers = { "Retry-After": String(denial.retryAfterSeconds), "Cache-Control": "no-store" };
  if (wantsEventStream(accept)) {
    return new Response(quotaExceededEventStream(body), {
      status: 429,
      headers: { ...headers, "Content-Type": "text/event-stream; charset=utf-8" },
    });
  }
  return new Response(JSON.stringify(body), { status: 429, headers: { ...headers, "Content-Type": "application/json" } });
}
