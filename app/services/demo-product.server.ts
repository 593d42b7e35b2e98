// A stand-in for the metered product: how a real product route uses the core. Reserve the
// estimate → stream the (simulated, deterministic) completion → settle with the real token
// counts; release when the client goes away; answer 429 (JSON or SSE) when over quota.
import { quotaExceededResponse } from "~/core/index.ts";
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { tollgate } from "./tollgate.server.ts";

export const demoChatBody = z.strictObject({
  tenantId: safeText().min(1).max(200),
  userId: safeText().min(1).max(200).optional(),
  conversationId: safeText().min(1).max(200).optional(),
  message: safeText({ multiline: true }).min(1).max(8000),
  provider: safeText().min(1).max(200).default("openai"),
  model: safeText().min(1).max(200).default("gpt-5-mini"),
  maxOutputTokens: z.number().int().min(1).max(4096).default(64),
  idempotencyKey: safeText().min(1).max(200),
  /** Milliseconds between streamed tokens (tests use 0). */
  tokenDelayMs: z.number().int().min(0).max(1000).default(15),
});

export const demoSandboxBody = z.strictObject({
  tenantId: safeText().min(1).max(200),
  userId: safeText().min(1).max(200).optional(),
  tier: safeText().min(1).max(200).default("standard"),
  expectedSeconds: z.number().int().min(1).max(3600).default(60),
  /** The simulated run's billed and active time. */
  runMs: z.number().int().min(0).max(3_600_000).default(30_000),
  activeMs: z.number().int().min(0).max(3_600_000).optional(),
  idempotencyKey: safeText().min(1).max(200),
});

/** Whitespace tokens: deterministic, dependency-free and close enough for a demo. */
export const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** The deterministic "model": answers with words derived from the prompt. */
export function completionTokens(message: string, max: number): string[] {
  const words = message.split(/\s+/).filter(Boolean);
  const out = ["You", "said:"];
  for (let i = 0; out.length < Math.min(max, words.length + 6); i++) out.push(words[i % words.length]);
  return out.slice(0, max);
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export async function demoChat(request: Request, body: z.infer<typeof demoChatBody>): Promise<Response> {
  const inputTokens = countTokens(body.message);
  const d = await tollgate().reserve({
    tenantId: body.tenantId,
    userId: body.userId,
    conversationId: body.conversationId,
    touchpoint: "main-chat",
    resource: "llm",
    provider: body.provider,
    model: body.model,
    inputTokens,
    maxOutputTokens: body.maxOutputTokens,
    idempotencyKey: body.idempotencyKey,
  });
  if (!d.allowed) return quotaExceededResponse(d.denial, "llm", "text/event-stream");
  const tokens = completionTokens(body.message, body.maxOutputTokens);
  const encoder = new TextEncoder();
  let sent = 0;
  let finished = false;
  const finish = async (how: "settle" | "release") => {
    if (finished) return;
    finished = true;
    if (how === "release") return void (await tollgate().release(d.reservationId));
    return tollgate().settle(d.reservationId, { inputTokens, outputTokens: sent });
  };
  // The client went away mid-stream: nothing more will be produced or billed by us.
  request.signal.addEventListener("abort", () => void finish("release").catch(() => {}));
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(sse("reservation", { reservationId: d.reservationId, estimatedCostUsd: d.estimatedCostUsd.toNumber(), warnings: d.warnings })));
      for (const token of tokens) {
        if (request.signal.aborted) return;
        if (body.tokenDelayMs) await new Promise((r) => setTimeout(r, body.tokenDelayMs));
        controller.enqueue(encoder.encode(sse("token", { text: token })));
        sent++;
      }
      const settled = await finish("settle");
      if (settled) {
        controller.enqueue(encoder.encode(sse("usage", { inputTokens, outputTokens: sent, costUsd: settled.actualCostUsd.toNumber(), costRecordId: settled.costRecordId })));
      }
      controller.enqueue(encoder.encode(sse("done", { status: "complete" })));
      controller.close();
    },
    async cancel() {
      await finish("release").catch(() => {});
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive" },
  });
}

export async function demoSandbox(request: Request, body: z.infer<typeof demoSandboxBody>): Promise<Response> {
  const d = await tollgate().reserve({
    tenantId: body.tenantId,
    userId: body.userId,
    touchpoint: "sandbox:create",
    resource: "sandbox",
    tier: body.tier,
    expectedSeconds: body.expectedSeconds,
    idempotencyKey: body.idempotencyKey,
  });
  if (!d.allowed) return quotaExceededResponse(d.denial, "sandbox", request.headers.get("accept"));
  const settled = await tollgate().settle(d.reservationId, {
    durationMs: body.runMs,
    activeDurationMs: body.activeMs ?? body.runMs,
    sandboxTtlSeconds: body.expectedSeconds,
  });
  return Response.json({
    reservationId: d.reservationId,
    estimatedCostUsd: d.estimatedCostUsd.toNumber(),
    costUsd: settled.actualCostUsd.toNumber(),
    costRecordId: settled.costRecordId,
    warnings: [...d.warnings, ...settled.warnings],
  });
}
