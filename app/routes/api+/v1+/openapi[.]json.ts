// The OpenAPI document of /api/v1, generated from the zod request schemas. Public: no key needed.
import { openApiDocument } from "~/services/api/openapi.server.ts";
import { json } from "~/services/api/respond.server.ts";

export const loader = async () => json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300" });
