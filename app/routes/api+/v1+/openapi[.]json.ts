// The OpenAPI document of /api/v1, generated from the zod request schemas. Public: no key needed.
import { openApiDocument } from "~/services/api/openapi.server.ts";
import { ApiError, errorResponse, json } from "~/services/api/respond.server.ts";

export const loader = async () => json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300" });
// Without an action Remix answers other methods with a non-API error body.
export const action = async () => errorResponse(new ApiError(405, "method_not_allowed", "Use GET for this endpoint."));
