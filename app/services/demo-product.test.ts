// The demo product route, end to end over HTTP: reserve → stream → settle with the real token
// counts; the client hanging up releases the hold; over quota the stream is the SSE 429.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiKey } from "~/test/api-fixtures.ts";
import { addLlmPrice, createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { completionTokens, countTokens } from "./demo-product.server.ts";

let t: TestDatabase;
let app: AppInstance;
let key: string;
let tenantId: string;
let quotaId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  tenantId = await createTenant(t.pool, "demo");
  quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1" });
  await addLlmPrice(t.pool, { model: "gpt-demo", input: "1000", output: "2000", from: "2026-01-01" }); // $0.001 / $0.002 per token
  key = await apiKey(t.prisma, "demo-platform");
  app = await startAppInstance({ databaseUrl: t.url });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

function chat(body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${app.url}/api/demo/chat`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ tenantId: "demo", model: "gpt-demo", ...body }),
    signal,
  });
}

function events(text: string) {
  return text
    .trim()
    .split("\n\n")
    .map((block) => {
      const [event, data] = block.split("\n");
      return { event: event.replace("event: ", ""), data: JSON.parse(data.replace("data: ", "")) };
    });
}

describe("POST /api/demo/chat", () => {
  it("streams a deterministic completion and settles with the streamed token count", async () => {
    const message = "please summarise the quarterly cost report";
    const res = await chat({ message, maxOutputTokens: 6, idempotencyKey: "chat-1", tokenDelayMs: 0 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const evs = events(await res.text());
    const tokens = completionTokens(message, 6);
    expect(evs.map((e) => e.event)).toEqual(["reservation", ...tokens.map(() => "token"), "usage", "done"]);
    expect(evs.filter((e) => e.event === "token").map((e) => e.data.text)).toEqual(tokens);
    // 6 input tokens × $0.001 + 6 output tokens × $0.002; the hold was 6 + 6 (max output) as well.
    expect(evs.at(-2)!.data).toMatchObject({ inputTokens: countTokens(message), outputTokens: 6, costUsd: 0.018 });
    const { rows } = await t.pool.query(
      `SELECT c.input_tokens, c.output_tokens, c.cost_usd::text AS cost, c.touchpoint, r.status
         FROM cost_records c JOIN reservations r ON r.id = c.reservation_id WHERE r.idempotency_key = 'chat-1'`,
    );
    expect(rows).toEqual([{ input_tokens: 6, output_tokens: 6, cost: "0.0180000000", touchpoint: "main-chat", status: "settled" }]);
  });

  it("releases the hold when the client disconnects mid-stream", async () => {
    const abort = new AbortController();
    const res = await chat({ message: "a long answer please", maxOutputTokens: 50, idempotencyKey: "chat-abort", tokenDelayMs: 100 }, abort.signal);
    const reader = res.body!.getReader();
    await reader.read(); // the reservation event
    abort.abort();
    let status = "";
    for (let i = 0; i < 50 && status !== "released"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.pool.query(`SELECT status FROM reservations WHERE idempotency_key = 'chat-abort'`)).rows[0]?.status;
    }
    expect(status).toBe("released");
    const { rows } = await t.pool.query(`SELECT reserved_usd::text AS reserved FROM quota_usage_current WHERE quota_id = $1`, [quotaId]);
    expect(rows[0].reserved).toBe("0.0000000000");
  });

  it("answers over quota with the SSE form of the 429", async () => {
    const res = await chat({ message: "x", maxOutputTokens: 1000, idempotencyKey: "chat-big", tokenDelayMs: 0 });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    const evs = events(await res.text());
    expect(evs.map((e) => e.event)).toEqual(["error", "done"]);
    expect(evs[0].data).toMatchObject({ error: "quota_exceeded", resourceType: "llm", quotaDetails: { scope: "tenant", limitUsd: 1 } });
    expect(evs[1].data).toEqual({ status: "quota_exceeded" });
  });
});
