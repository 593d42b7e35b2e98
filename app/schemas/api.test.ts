// The /api/v1 request contract without a server: money kept as written, exactly one complete
// way of stating an amount, strict objects, hostile strings refused with the core's message.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { anomaliesQuery, quotaStatusQuery, reserveBody, settleBody, spendQuery, usageBody, usd } from "./api.ts";

const issues = (r: { success: boolean; error?: z.ZodError }) => (r.success ? [] : r.error!.issues.map((i) => [i.path.join("."), i.message]));

describe("usd", () => {
  const amount = usd("test");

  it("keeps the amount as written (a number becomes its text), up to 10 decimals", () => {
    expect(amount.parse("0.0000000001")).toBe("0.0000000001");
    expect(amount.parse("1000000")).toBe("1000000");
    expect(amount.parse(2.5)).toBe("2.5");
    expect(amount.parse(0)).toBe("0");
  });

  it("refuses exponents, an 11th decimal, negatives and amounts past the maximum", () => {
    expect(issues(amount.safeParse(1e-7))).toEqual([["", "at most 10 decimal places"]]);
    expect(issues(amount.safeParse("1.12345678901"))).toEqual([["", "at most 10 decimal places"]]);
    expect(issues(amount.safeParse(-1))).toEqual([["", "must be between 0 and 1000000"]]);
    expect(issues(amount.safeParse(1_000_001))).toEqual([["", "must be between 0 and 1000000"]]);
    expect(issues(usd("cap", 5).safeParse("5.0000000001"))).toEqual([["", "must be between 0 and 5"]]);
    for (const bad of ["-1", "1e3", " 1", "1,5", "", "0x10", null, true, [1]]) expect(amount.safeParse(bad).success).toBe(false);
  });

  it("accepts every decimal text of at most 10 places within range, unchanged (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), fc.stringMatching(/^\d{1,10}$/), (whole, fraction) => {
        expect(amount.parse(`${whole}.${fraction}`)).toBe(`${whole}.${fraction}`);
      }),
    );
  });
});

const RESERVE = { tenantId: "acme", resource: "llm", idempotencyKey: "k1" } as const;
const LLM = { provider: "openai", model: "gpt-5-mini", inputTokens: 10, maxOutputTokens: 20 };
const ONE_OF_RESERVE = "give exactly one of: provider + model + inputTokens + maxOutputTokens; tier + expectedSeconds; estimatedCostUsd";

describe("reserveBody", () => {
  it("takes exactly one complete estimate: tokens, sandbox seconds, or an amount", () => {
    expect(reserveBody.parse({ ...RESERVE, ...LLM })).toEqual({ ...RESERVE, ...LLM });
    expect(reserveBody.parse({ ...RESERVE, resource: "sandbox", tier: "gpu", expectedSeconds: 30 })).toEqual({ ...RESERVE, resource: "sandbox", tier: "gpu", expectedSeconds: 30 });
    expect(reserveBody.parse({ ...RESERVE, estimatedCostUsd: 0.5, ttlSeconds: 60 })).toEqual({ ...RESERVE, estimatedCostUsd: "0.5", ttlSeconds: 60 });
  });

  it("refuses no estimate, two estimates, and an incomplete one naming the missing fields", () => {
    expect(issues(reserveBody.safeParse(RESERVE))).toEqual([["", ONE_OF_RESERVE]]);
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, estimatedCostUsd: "1" }))).toEqual([["", ONE_OF_RESERVE]]);
    expect(issues(reserveBody.safeParse({ ...RESERVE, provider: "openai", model: "gpt-5-mini" }))).toEqual([
      ["inputTokens", "required with provider + model + inputTokens + maxOutputTokens"],
      ["maxOutputTokens", "required with provider + model + inputTokens + maxOutputTokens"],
    ]);
  });

  it("refuses a sandbox tier on an LLM reservation and a model on a sandbox one", () => {
    expect(issues(reserveBody.safeParse({ ...RESERVE, tier: "gpu", expectedSeconds: 30 }))).toEqual([["tier", "tier is for sandbox reservations"]]);
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, resource: "sandbox" }))).toEqual([["model", "model is for llm reservations"]]);
  });

  it("refuses unknown fields, control characters, fractional and huge token counts", () => {
    const unknown = reserveBody.safeParse({ ...RESERVE, ...LLM, temperature: 0.2 });
    expect(unknown.success).toBe(false);
    expect(unknown.error!.issues.map((i) => i.code)).toContain("unrecognized_keys");
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, tenantId: "acme\u0000" }))).toContainEqual(["tenantId", "must not contain control characters (found U+0000)"]);
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, idempotencyKey: "   " })).map(([path]) => path)).toContain("idempotencyKey");
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, inputTokens: 1.5 })).map(([path]) => path)).toContain("inputTokens");
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, maxOutputTokens: 10_000_001 })).map(([path]) => path)).toContain("maxOutputTokens");
    expect(issues(reserveBody.safeParse({ ...RESERVE, ...LLM, resource: "gpu" })).map(([path]) => path)).toContain("resource");
  });
});

describe("settleBody", () => {
  const ONE_OF = "give exactly one of: inputTokens + outputTokens; durationMs; actualCostUsd";
  it("takes tokens, a duration or an amount, exactly one", () => {
    expect(settleBody.parse({ inputTokens: 5, outputTokens: 7, cachedInputTokens: 2 })).toEqual({ inputTokens: 5, outputTokens: 7, cachedInputTokens: 2 });
    expect(settleBody.parse({ durationMs: 1500, activeDurationMs: 900, sandboxTtlSeconds: 600 })).toEqual({ durationMs: 1500, activeDurationMs: 900, sandboxTtlSeconds: 600 });
    expect(settleBody.parse({ actualCostUsd: "0.25" })).toEqual({ actualCostUsd: "0.25" });
    expect(issues(settleBody.safeParse({}))).toEqual([["", ONE_OF]]);
    expect(issues(settleBody.safeParse({ durationMs: 10, actualCostUsd: "1" }))).toEqual([["", ONE_OF]]);
    expect(issues(settleBody.safeParse({ inputTokens: 5 }))).toEqual([["outputTokens", "required with inputTokens + outputTokens"]]);
    expect(issues(settleBody.safeParse({ durationMs: 86_400_001 })).map(([path]) => path)).toContain("durationMs");
  });
});

describe("usageBody", () => {
  const USAGE = { tenantId: "acme", resource: "llm", idempotencyKey: "u1" } as const;
  it("lets provider and model accompany an explicit cost, for attribution", () => {
    expect(usageBody.parse({ ...USAGE, provider: "openai", model: "m", actualCostUsd: 1 })).toEqual({ ...USAGE, provider: "openai", model: "m", actualCostUsd: "1" });
  });

  it("refuses two complete ways of stating the amount, and a backfill time without a zone", () => {
    const both = { ...USAGE, provider: "openai", model: "m", inputTokens: 1, outputTokens: 1, tier: "gpu", durationMs: 5 };
    expect(issues(usageBody.safeParse(both))).toEqual([["", "give exactly one of: provider + model + inputTokens + outputTokens; tier + durationMs; actualCostUsd"]]);
    expect(usageBody.parse({ ...USAGE, actualCostUsd: "1", occurredAt: "2026-03-18T10:00:00+01:00" }).occurredAt).toBe("2026-03-18T10:00:00+01:00");
    expect(issues(usageBody.safeParse({ ...USAGE, actualCostUsd: "1", occurredAt: "2026-03-18T10:00:00" })).map(([path]) => path)).toEqual(["occurredAt"]);
  });
});

describe("queries", () => {
  it("are strict, with their defaults", () => {
    expect(spendQuery.parse({})).toEqual({ groupBy: "day" });
    expect(spendQuery.safeParse({ groupBy: "tenant" }).success).toBe(false);
    expect(quotaStatusQuery.parse({ tenantId: "acme", resource: "all" })).toEqual({ tenantId: "acme", resource: "all" });
    expect(quotaStatusQuery.safeParse({ tenantId: "acme", extra: "1" }).success).toBe(false);
    expect(anomaliesQuery.parse({ from: "2026-03-01", status: "open" })).toEqual({ from: "2026-03-01", status: "open" });
    expect(anomaliesQuery.safeParse({ from: "2026-02-30" }).success).toBe(false);
  });
});
