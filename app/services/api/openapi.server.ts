// The OpenAPI 3.1 document of /api/v1, GENERATED: request bodies and query parameters come from
// the zod schemas that validate the requests (z.toJSONSchema with io "input", so defaults are
// optional and transforms are described by what they accept). Response shapes are zod schemas
// too, declared per area beside that area's endpoint table (openapi/metering.ts, analysis.ts,
// administration.ts, meta.ts; error bodies in errors.ts); the API tests validate real responses
// against them, so the document cannot silently drift from the code. This module assembles them.
//
// What JSON Schema cannot carry: zod refinements (e.g. "exactly one of tokens, seconds or an
// amount", "thresholds ascending") are dropped by the converter; the operation descriptions
// state them instead.
import { z } from "zod";
import { ADMIN, adminEndpoints, adminRequests, adminResponses } from "./openapi/administration.ts";
import { ANALYSIS, analysisEndpoints, analysisResponses } from "./openapi/analysis.ts";
import { errorResponses, errorSchemas } from "./openapi/errors.ts";
import { META, metaEndpoints, metaResponses } from "./openapi/meta.ts";
import { METERING, meteringEndpoints, meteringRequests, meteringResponses } from "./openapi/metering.ts";
import { jsonContent, type Endpoint } from "./openapi/shapes.ts";

// The order of these three lists is the order of the document's schemas, paths and tags.
const responseSchemas = { ...meteringResponses, ...analysisResponses, ...adminResponses, ...metaResponses, ...errorSchemas };
const requestSchemas = { ...meteringRequests, ...adminRequests };
export const endpoints: Endpoint[] = [...meteringEndpoints, ...analysisEndpoints, ...adminEndpoints, ...metaEndpoints];

// ---- assembling the document ---------------------------------------------------------------

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
    tags: [METERING, ANALYSIS, ADMIN, META].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "An API key: tg_ followed by 43 URL-safe characters" } },
      schemas: componentSchemas(),
      responses: Object.fromEntries(Object.values(errorResponses).map(([name, r]) => [name, r])),
    },
  };
  return cached;
}
