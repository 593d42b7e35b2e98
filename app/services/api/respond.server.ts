// The one error mapper of the HTTP API: typed errors in, SPEC §5 shapes out. No stack trace,
// SQL or driver message ever reaches a response; unexpected errors are logged with an id.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { TollgateError } from "~/core/index.ts";
import { isDatabaseUnavailable } from "~/db/availability.ts";
import { logger } from "~/services/logger.server.ts";
import { withJsonText } from "./json-text.ts";

export type ApiErrorCode =
  | "invalid_request"
  | "unknown_price"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "quota_unavailable"
  | "internal_error";

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: ApiErrorCode,
    message: string,
    public readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const STATUS: Record<TollgateError["code"], number> = {
  invalid_request: 400,
  unknown_price: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  quota_unavailable: 503,
};

export function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  const response = new Response(text, {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
  });
  return withJsonText(response, text);
}

export function errorBody(code: ApiErrorCode, message: string, issues?: { path: string; message: string }[]) {
  return issues ? { error: code, message, issues } : { error: code, message };
}

export function zodIssues(e: z.ZodError) {
  return e.issues.flatMap((i) => {
    const at = i.path.join(".");
    // One issue per unknown field, at that field, so clients can point at it.
    if (i.code === "unrecognized_keys") {
      return i.keys.map((k) => ({ path: at ? `${at}.${k}` : k, message: "unknown field" }));
    }
    return [{ path: at || "(body)", message: i.message }];
  });
}

export function errorResponse(e: unknown): Response {
  if (e instanceof Response) return e;
  if (e instanceof ApiError) {
    const headers: Record<string, string> =
      e.status === 503 ? { "Retry-After": "5" } : e.status === 413 ? { Connection: "close" } : {};
    return json(errorBody(e.code, e.message, e.issues), e.status, headers);
  }
  if (e instanceof z.ZodError) return json(errorBody("invalid_request", "The request is not valid.", zodIssues(e)), 400);
  if (e instanceof TollgateError) {
    const status = STATUS[e.code];
    return json(
      errorBody(e.code, e.message, e.issues.length || status === 400 ? e.issues : undefined),
      status,
      status === 503 ? { "Retry-After": "5" } : {},
    );
  }
  if (isDatabaseUnavailable(e)) {
    return json(errorBody("quota_unavailable", "The quota store is unavailable; try again shortly."), 503, { "Retry-After": "5" });
  }
  const ref = randomUUID();
  logger("api").error({ err: e, ref }, `internal error ${ref}`);
  return json(errorBody("internal_error", `Something went wrong on our side (reference ${ref}).`), 500);
}
