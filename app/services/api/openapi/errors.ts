// The errors of /api/v1 (SPEC §5): one body shape per error code (the 429 with the binding
// quota's details), and the shared responses each status refers to.
import { z } from "zod";
import { jsonContent, period, quotaResource, REF, scope, usd } from "./shapes.ts";

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

export const errorSchemas = {
  ValidationError,
  QuotaExceeded,
  UnauthorizedError: error("unauthorized"),
  ForbiddenError: error("forbidden"),
  NotFoundError: error("not_found"),
  ConflictError: error("conflict"),
  PayloadTooLargeError: error("payload_too_large"),
  UnsupportedMediaTypeError: error("unsupported_media_type"),
  QuotaUnavailableError: error("quota_unavailable"),
};

const retryAfter = (description: string) => ({ "Retry-After": { description, schema: { type: "integer", minimum: 1 } } });

/** Status → the name of its shared response (components/responses) and the response. */
export const errorResponses: Record<number, [string, object]> = {
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
