// The OpenAPI document is generated from the zod schemas: every route file is documented
// (method by method), the security scheme and every error shape of SPEC §5 are present, and
// the documented request schemas reject what the zod schemas reject.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createQuotaBody, createTenantBody, updateQuotaBody } from "~/schemas/admin.ts";
import { reserveBody, settleBody, usageBody } from "~/schemas/api.ts";
import { schemaErrors } from "~/test/json-schema.ts";
import { openApiDocument } from "./openapi.server.ts";

const doc = openApiDocument() as any;
const ROUTES = path.resolve(import.meta.dirname, "../../routes");
const API_DIR = path.join(ROUTES, "api+/v1+");

/** remix-flat-routes file name → URL template: `reservations.$id.settle.ts` → `/api/v1/reservations/{id}/settle`. */
function urlOf(file: string) {
  const segments = file
    .replace(/\.tsx?$/, "")
    .replace(/\[\.\]/g, "\u0000")
    .split(".")
    .map((s) => s.replace(/\u0000/g, ".").replace(/^\$(\w+)$/, "{$1}"));
  return `/api/v1/${segments.join("/")}`;
}

/** The HTTP methods a route module answers: apiRoute's handler keys, or GET for a bare loader. */
function methodsOf(source: string) {
  const m = /apiRoute\(\s*\{([^}]*)\}/.exec(source);
  if (m) return [...m[1].matchAll(/\b(GET|POST|PATCH|DELETE)\b/g)].map(([x]) => x.toLowerCase());
  return /export const loader/.test(source) ? ["get"] : [];
}

describe("coverage", () => {
  const files = readdirSync(API_DIR).filter((f) => /\.tsx?$/.test(f) && !f.includes(".test.") && f !== "$.ts");

  it("finds the route files it checks (the parser is not vacuous)", () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
    expect(urlOf("reservations.$id.settle.ts")).toBe("/api/v1/reservations/{id}/settle");
    expect(urlOf("openapi[.]json.ts")).toBe("/api/v1/openapi.json");
  });

  for (const file of files) {
    it(`${file} is documented with each of its methods`, () => {
      const url = urlOf(file);
      const methods = methodsOf(readFileSync(path.join(API_DIR, file), "utf8"));
      expect(methods.length).toBeGreaterThan(0);
      expect(doc.paths[url], url).toBeDefined();
      expect(Object.keys(doc.paths[url]).sort()).toEqual([...methods].sort());
    });
  }

  it("documents only endpoints that exist (health routes included)", () => {
    for (const url of Object.keys(doc.paths)) {
      if (url === "/healthz" || url === "/readyz") {
        expect(readdirSync(ROUTES)).toContain(`${url.slice(1)}.ts`);
      } else {
        expect(files.map(urlOf)).toContain(url);
      }
    }
  });
});

describe("the document", () => {
  // The whole document as served, byte for byte (key order included): a change to the contract
  // shows up here and in review as a diff of openapi.snapshot.json (update it with
  // `npx vitest run app/services/api/openapi.test.ts -u` when the change is meant).
  it("is exactly the committed snapshot", async () => {
    await expect(`${JSON.stringify(openApiDocument(), null, 2)}\n`).toMatchFileSnapshot("./openapi.snapshot.json");
  });

  it("is OpenAPI 3.1 with bearer security; public endpoints opt out", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const p of ["/healthz", "/readyz", "/api/v1/openapi.json"]) expect(doc.paths[p].get.security).toEqual([]);
    expect(doc.paths["/api/v1/reservations"].post.security).toBeUndefined();
  });

  it("documents every error shape of SPEC §5", () => {
    const reserve = doc.paths["/api/v1/reservations"].post.responses;
    expect(Object.keys(reserve).sort()).toEqual(["200", "201", "400", "401", "403", "404", "409", "413", "415", "429", "503"]);
    const responses = doc.components.responses;
    expect(responses.BadRequest.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ValidationError" });
    expect(doc.components.schemas.ValidationError.required).toEqual(["error", "message", "issues"]);
    expect(responses.QuotaExceeded.headers["Retry-After"]).toBeDefined();
    expect(Object.keys(responses.QuotaExceeded.content)).toEqual(["application/json", "text/event-stream"]);
    expect(doc.components.schemas.QuotaExceeded.properties.quotaDetails.required).toEqual([
      "scope", "scopeId", "resourceType", "limitUsd", "currentSpendUsd", "estimatedCostUsd", "remainingUsd", "period", "utilizationPercent",
    ]);
    const codes = (name: string) => doc.components.schemas[name].properties.error;
    expect(codes("ValidationError").enum).toEqual(["invalid_request", "unknown_price"]);
    expect(
      ["UnauthorizedError", "ForbiddenError", "NotFoundError", "ConflictError", "PayloadTooLargeError", "UnsupportedMediaTypeError", "QuotaUnavailableError"].map((n) => codes(n).const),
    ).toEqual(["unauthorized", "forbidden", "not_found", "conflict", "payload_too_large", "unsupported_media_type", "quota_unavailable"]);
    // Admin endpoints are marked platform-only and answer 403 to tenant keys.
    expect(doc.paths["/api/v1/quotas/{id}"].patch["x-platform-key-only"]).toBe(true);
    expect(doc.paths["/api/v1/quotas/{id}"].patch.responses["403"]).toEqual({ $ref: "#/components/responses/Forbidden" });
  });

  it("turns query schemas into parameters", () => {
    const params = doc.paths["/api/v1/tenants/{tenantId}/spend"].get.parameters;
    expect(params.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(["path:tenantId", "query:from", "query:to", "query:groupBy"]);
    expect(params[3].schema.enum).toEqual(["day", "model", "user", "touchpoint", "resource"]);
    expect(params[3].required).toBe(false); // has a default, so optional on input
  });
});

describe("documented request schemas reject what zod rejects", () => {
  const reserve = { tenantId: "acme", resource: "llm", idempotencyKey: "k1", provider: "openai", model: "gpt-5", inputTokens: 100, maxOutputTokens: 50 };
  // Cases decided by the object shape alone (zod refinements are not expressible in JSON Schema
  // and are documented in prose instead).
  const cases: [string, string, { safeParse(v: unknown): { success: boolean } }, unknown, boolean][] = [
    ["ReserveRequest", "valid", reserveBody, reserve, true],
    ["ReserveRequest", "unknown field", reserveBody, { ...reserve, costCenter: "x" }, false],
    ["ReserveRequest", "negative tokens", reserveBody, { ...reserve, inputTokens: -1 }, false],
    ["ReserveRequest", "fractional tokens", reserveBody, { ...reserve, inputTokens: 1.5 }, false],
    ["ReserveRequest", "absurd tokens", reserveBody, { ...reserve, maxOutputTokens: 1e12 }, false],
    ["ReserveRequest", "tokens as a string", reserveBody, { ...reserve, inputTokens: "100" }, false],
    ["ReserveRequest", "missing idempotencyKey", reserveBody, { ...reserve, idempotencyKey: undefined }, false],
    ["ReserveRequest", "unknown resource", reserveBody, { ...reserve, resource: "gpu" }, false],
    ["SettleRequest", "unknown field", settleBody, { inputTokens: 1, outputTokens: 1, tip: 5 }, false],
    ["UsageRequest", "malformed estimate string", usageBody, { tenantId: "a", resource: "llm", idempotencyKey: "k", actualCostUsd: "1e3" }, false],
    ["CreateTenantRequest", "valid", createTenantBody, { slug: "acme-2", name: "Acme" }, true],
    ["CreateTenantRequest", "bad slug", createTenantBody, { slug: "Acme!", name: "Acme" }, false],
    ["CreateQuotaRequest", "threshold over 100", createQuotaBody, { scope: "platform", resource: "all", period: "day", limitUsd: 5, warningThresholds: [101] }, false],
    ["CreateQuotaRequest", "unknown period", createQuotaBody, { scope: "platform", resource: "all", period: "year", limitUsd: 5 }, false],
    ["UpdateQuotaRequest", "scope is not changeable", updateQuotaBody, { scope: "platform" }, false],
  ];
  for (const [name, label, zod, value, valid] of cases) {
    it(`${name}: ${label} → ${valid ? "accepted" : "rejected"} by both`, () => {
      const v = JSON.parse(JSON.stringify(value));
      expect(zod.safeParse(v).success).toBe(valid);
      expect(schemaErrors(doc.components.schemas[name], v, doc).length === 0).toBe(valid);
    });
  }

  it("the unknown-field rule is additionalProperties: false on every request body", () => {
    for (const name of ["ReserveRequest", "SettleRequest", "UsageRequest", "CreateTenantRequest", "CreateQuotaRequest", "UpdateQuotaRequest", "CreateLlmPriceRequest", "CreateSandboxPriceRequest"]) {
      expect([name, doc.components.schemas[name].additionalProperties]).toEqual([name, false]);
    }
  });
});
