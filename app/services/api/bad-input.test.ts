// SPEC §5 bad input, over HTTP against a real app instance: every rejected request answers its
// documented status and code, writes nothing (ledger snapshot before = after), and leaks no
// stack trace, SQL or ORM detail.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey, expectNoLeak, ledgerSnapshot } from "~/test/api-fixtures.ts";
import { addLlmPrice, addSandboxPrice, createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";

let t: TestDatabase;
let app: AppInstance;
let api: ReturnType<typeof apiClient>;
let tenantId: string;
let key: string;

const llm = (over: Record<string, unknown> = {}) => ({
  tenantId: "bad-input",
  resource: "llm",
  idempotencyKey: `k-${randomUUID()}`,
  provider: "openai",
  model: "gpt-test",
  inputTokens: 1000,
  maxOutputTokens: 500,
  ...over,
});
const omit = (o: Record<string, unknown>, k: string) => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));

beforeAll(async () => {
  t = await createTestDatabase();
  tenantId = await createTenant(t.pool, "bad-input");
  await createQuota(t.pool, { scope: "tenant", tenantId, limit: "100" });
  await addLlmPrice(t.pool, { model: "gpt-test", input: "1", output: "2", from: "2025-01-01" });
  await addSandboxPrice(t.pool, "standard", "0.0001");
  key = await apiKey(t.prisma, "bad-input", tenantId);
  app = await startAppInstance({ databaseUrl: t.url });
  api = apiClient(app.url, key);
  // One accepted request first, so the "nothing written" snapshots compare non-empty state.
  expect((await api.post("/api/v1/reservations", llm())).status).toBe(201);
});
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

/** Sends, checks status + code (+ an issue path), and that nothing was written. */
async function rejects(send: () => Promise<{ status: number; body: any; text: string }>, status: number, code: string, issuePath?: string) {
  const before = await ledgerSnapshot(t.pool);
  const r = await send();
  expect({ status: r.status, error: r.body?.error }).toEqual({ status, error: code });
  expect(typeof r.body.message).toBe("string");
  if (status === 400) expect(Array.isArray(r.body.issues)).toBe(true);
  if (issuePath) expect(r.body.issues.map((i: { path: string }) => i.path)).toContain(issuePath);
  expectNoLeak(r.text);
  expect(await ledgerSnapshot(t.pool)).toEqual(before);
  return r;
}

describe("POST /api/v1/reservations rejects bad input and writes nothing", () => {
  const cases: [string, Record<string, unknown>, number, string, string?][] = [
    ["negative token count", llm({ inputTokens: -1 }), 400, "invalid_request", "inputTokens"],
    ["fractional token count", llm({ inputTokens: 1.5 }), 400, "invalid_request", "inputTokens"],
    ["absurd token count", llm({ maxOutputTokens: 1e12 }), 400, "invalid_request", "maxOutputTokens"],
    ["token count as a string", llm({ inputTokens: "1000" }), 400, "invalid_request", "inputTokens"],
    ["tenantId as a number", llm({ tenantId: 42 }), 400, "invalid_request", "tenantId"],
    ["unknown resource", llm({ resource: "gpu-cluster" }), 400, "invalid_request", "resource"],
    ["missing idempotencyKey", omit(llm(), "idempotencyKey"), 400, "invalid_request", "idempotencyKey"],
    ["empty idempotencyKey", llm({ idempotencyKey: "" }), 400, "invalid_request", "idempotencyKey"],
    ["negative explicit estimate", { ...omit(omit(omit(omit(llm(), "provider"), "model"), "inputTokens"), "maxOutputTokens"), estimatedCostUsd: -1 }, 400, "invalid_request", "estimatedCostUsd"],
    ["two ways of stating the amount", llm({ estimatedCostUsd: "0.10" }), 400, "invalid_request"],
    ["unknown model", llm({ model: "gpt-nope" }), 400, "unknown_price", "model"],
    ["unknown tier", { tenantId: "bad-input", resource: "sandbox", idempotencyKey: "tier-x", tier: "quantum", expectedSeconds: 10 }, 400, "unknown_price", "tier"],
    ["a JSON array", [] as unknown as Record<string, unknown>, 400, "invalid_request"],
  ];
  for (const [name, body, status, code, path] of cases) {
    it(`${name} → ${status} ${code}`, () => rejects(() => api.post("/api/v1/reservations", body), status, code, path));
  }

  it("an unknown field → 400 naming it", async () => {
    const r = await rejects(() => api.post("/api/v1/reservations", llm({ costCenter: "x" })), 400, "invalid_request");
    expect(JSON.stringify(r.body.issues)).toContain("costCenter");
  });

  it("a body over 64 KiB → 413 (declared length)", () =>
    rejects(() => api.post("/api/v1/reservations", llm({ taskId: "x".repeat(70 * 1024) })), 413, "payload_too_large"));

  it("a body over 64 KiB without Content-Length (chunked) → 413", () =>
    rejects(async () => {
      // node:http rather than fetch: the server answers 413 before the client has finished
      // sending, and fetch reports that as a socket error instead of the response.
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(`${app.url}/api/v1/reservations`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
        });
        req.on("response", (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, text: body }));
        });
        req.on("error", reject);
        for (let i = 0; i < 6; i++) req.write(" ".repeat(16 * 1024));
        req.end();
      });
      return { status, text, body: JSON.parse(text) };
    }, 413, "payload_too_large"));

  it("a non-JSON content type → 415", () =>
    rejects(() => api.post("/api/v1/reservations", JSON.stringify(llm()), { "Content-Type": "text/plain" }), 415, "unsupported_media_type"));

  it("malformed JSON → 400", () => rejects(() => api.post("/api/v1/reservations", '{"tenantId": "bad-input", '), 400, "invalid_request"));

  it("no key, a malformed key, an unknown key and a revoked key → 401", async () => {
    await rejects(() => apiClient(app.url).post("/api/v1/reservations", llm()), 401, "unauthorized");
    await rejects(() => apiClient(app.url, "not-a-key").post("/api/v1/reservations", llm()), 401, "unauthorized");
    await rejects(() => apiClient(app.url, `tg_${"A".repeat(43)}`).post("/api/v1/reservations", llm()), 401, "unauthorized");
    const revoked = await apiKey(t.prisma, "revoked", tenantId);
    await t.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE name = 'revoked'`);
    await rejects(() => apiClient(app.url, revoked).post("/api/v1/reservations", llm()), 401, "unauthorized");
  });

  it("the same idempotency key with a different body → 409", async () => {
    const first = llm({ idempotencyKey: "dup-key" });
    expect((await api.post("/api/v1/reservations", first)).status).toBe(201);
    expect((await api.post("/api/v1/reservations", first)).status).toBe(200); // replay: same hold
    await rejects(() => api.post("/api/v1/reservations", { ...first, inputTokens: 2000 }), 409, "conflict");
  });
});

describe("POST /api/v1/usage rejects bad input and writes nothing", () => {
  const usage = (over: Record<string, unknown> = {}) => ({
    tenantId: "bad-input", resource: "llm", idempotencyKey: `u-${randomUUID()}`, provider: "openai", model: "gpt-test",
    inputTokens: 100, outputTokens: 50, ...over,
  });
  const cases: [string, Record<string, unknown>, number, string, string?][] = [
    ["negative output tokens", usage({ outputTokens: -5 }), 400, "invalid_request", "outputTokens"],
    ["fractional output tokens", usage({ outputTokens: 0.5 }), 400, "invalid_request", "outputTokens"],
    ["absurd input tokens", usage({ inputTokens: 5e9 }), 400, "invalid_request", "inputTokens"],
    ["unknown model", usage({ model: "gpt-nope" }), 400, "unknown_price", "model"],
    ["unknown tier", { tenantId: "bad-input", resource: "sandbox", idempotencyKey: "t", tier: "quantum", durationMs: 1000 }, 400, "unknown_price", "tier"],
    ["missing idempotencyKey", omit(usage(), "idempotencyKey"), 400, "invalid_request", "idempotencyKey"],
    ["durationMs as a string", { tenantId: "bad-input", resource: "sandbox", idempotencyKey: "t", tier: "standard", durationMs: "1000" }, 400, "invalid_request", "durationMs"],
    ["an unknown field", usage({ extra: true }), 400, "invalid_request"],
    ["a malformed occurredAt", usage({ occurredAt: "yesterday" }), 400, "invalid_request", "occurredAt"],
    // The fail-open spool's own record keys (ADR 0008): a client's must never pre-empt one.
    ["an idempotencyKey in the spool's namespace", usage({ idempotencyKey: "spool:hold:0b2d0a4e-7e38-4a43-9d8e-1b1f6f3b2c11" }), 400, "invalid_request", "idempotencyKey"],
  ];
  for (const [name, body, status, code, path] of cases) {
    it(`${name} → ${status} ${code}`, () => rejects(() => api.post("/api/v1/usage", body), status, code, path));
  }

  it("the same idempotency key with a different body → 409", async () => {
    const first = usage({ idempotencyKey: "usage-dup" });
    expect((await api.post("/api/v1/usage", first)).status).toBe(201);
    await rejects(() => api.post("/api/v1/usage", { ...first, outputTokens: 51 }), 409, "conflict");
  });
});

describe("settle and release", () => {
  it("settling an unknown reservation → 404 (UUID or not)", async () => {
    await rejects(() => api.post(`/api/v1/reservations/${randomUUID()}/settle`, { inputTokens: 1, outputTokens: 1 }), 404, "not_found");
    await rejects(() => api.post(`/api/v1/reservations/not-an-id/settle`, { inputTokens: 1, outputTokens: 1 }), 404, "not_found");
    await rejects(() => api.post(`/api/v1/reservations/${randomUUID()}/release`), 404, "not_found");
  });

  it("settling a released reservation → 409; bad settle bodies → 400", async () => {
    const r = await api.post("/api/v1/reservations", llm());
    expect(r.status).toBe(201);
    const id = r.body.reservationId;
    await rejects(() => api.post(`/api/v1/reservations/${id}/settle`, { inputTokens: -1, outputTokens: 1 }), 400, "invalid_request", "inputTokens");
    await rejects(() => api.post(`/api/v1/reservations/${id}/settle`, { inputTokens: 1, outputTokens: 1, tip: 1 }), 400, "invalid_request");
    await rejects(() => api.post(`/api/v1/reservations/${id}/settle`, {}), 400, "invalid_request");
    expect((await api.post(`/api/v1/reservations/${id}/release`)).body).toEqual({ reservationId: id, status: "released" });
    await rejects(() => api.post(`/api/v1/reservations/${id}/settle`, { inputTokens: 10, outputTokens: 10 }), 409, "conflict");
  });
});

describe("other endpoints", () => {
  it("quota-status with an unknown query parameter or resource → 400; unknown tenant → 404", async () => {
    await rejects(() => api.get("/api/v1/quota-status?tenantId=bad-input&color=red"), 400, "invalid_request");
    await rejects(() => api.get("/api/v1/quota-status?tenantId=bad-input&resource=gpu"), 400, "invalid_request", "resource");
    await rejects(() => apiClient(app.url, undefined).get("/api/v1/quota-status?tenantId=bad-input"), 401, "unauthorized");
  });

  it("unknown API paths answer JSON 404; a wrong method answers 405 JSON", async () => {
    const r = await rejects(() => api.get("/api/v1/nope"), 404, "not_found");
    expect(r.body.message).toContain("openapi.json");
    const m = await api.call("DELETE", "/api/v1/reservations");
    expect(m.status).toBe(405);
    expect(m.body.error).toBe("method_not_allowed");
  });
});
