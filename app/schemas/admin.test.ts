// The administration contract without a server: tenant slugs, quota scopes and the ids each
// needs, thresholds, limits and prices.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { createLlmPriceBody, createQuotaBody, createSandboxPriceBody, createTenantBody, limitUsd, tenantSlug, updateQuotaBody, warningThresholds } from "./admin.ts";

const issues = (r: { success: boolean; error?: z.ZodError }) => (r.success ? [] : r.error!.issues.map((i) => [i.path.join("."), i.message]));

describe("tenantSlug / createTenantBody", () => {
  it("takes 2–63 lowercase letters, digits and dashes, not starting with a dash", () => {
    for (const ok of ["acme", "a1", "acme-2", "0x", "a".repeat(63)]) expect(tenantSlug.safeParse(ok).success).toBe(true);
    for (const bad of ["a", "-acme", "Acme", "acme_2", "acme corp", "a".repeat(64), "acmé", ""]) expect(tenantSlug.safeParse(bad).success).toBe(false);
    expect(createTenantBody.parse({ slug: "acme", name: "  Acme Inc. " })).toEqual({ slug: "acme", name: "Acme Inc." });
    expect(issues(createTenantBody.safeParse({ slug: "acme", name: "Acme\u001b[31m" }))).toEqual([["name", "must not contain control characters (found U+001B)"]]);
  });
});

describe("warningThresholds / limitUsd", () => {
  it("takes whole percentages 1–100, ascending without repeats, at most 10", () => {
    expect(warningThresholds.parse([])).toEqual([]);
    expect(warningThresholds.parse([50, 80, 100])).toEqual([50, 80, 100]);
    expect(issues(warningThresholds.safeParse([90, 80]))).toEqual([["", "must be ascending without repeats"]]);
    expect(issues(warningThresholds.safeParse([80, 80]))).toEqual([["", "must be ascending without repeats"]]);
    for (const bad of [[0], [101], [50.5], Array.from({ length: 11 }, (_, i) => i + 1)]) expect(warningThresholds.safeParse(bad).success).toBe(false);
  });

  it("takes a limit above 0 up to a billion, as written", () => {
    expect(limitUsd.parse("0.0000000001")).toBe("0.0000000001");
    expect(limitUsd.parse(1_000_000_000)).toBe("1000000000");
    expect(issues(limitUsd.safeParse("0"))).toEqual([["", "must be greater than 0"]]);
    expect(issues(limitUsd.safeParse(1_000_000_001))).toEqual([["", "must be between 0 and 1000000000"]]);
  });
});

describe("createQuotaBody", () => {
  const base = { resource: "llm", period: "month", limitUsd: 100 } as const;

  it("names the tenant by tenantId or, for a tenant quota, by scopeId; a user quota needs both", () => {
    expect(createQuotaBody.parse({ ...base, scope: "platform" })).toEqual({ ...base, scope: "platform", limitUsd: "100" });
    expect(createQuotaBody.parse({ ...base, scope: "tenant", tenantId: "acme" })).toMatchObject({ scope: "tenant", tenantId: "acme" });
    expect(createQuotaBody.parse({ ...base, scope: "tenant", scopeId: "00000000-0000-4000-8000-000000000001" })).toMatchObject({ scope: "tenant" });
    expect(createQuotaBody.parse({ ...base, scope: "user", tenantId: "acme", scopeId: "u-1", warningThresholds: [80], enforcement: "soft", enabled: false })).toEqual({
      ...base,
      limitUsd: "100",
      scope: "user",
      tenantId: "acme",
      scopeId: "u-1",
      warningThresholds: [80],
      enforcement: "soft",
      enabled: false,
    });
  });

  it("refuses ids on a platform quota and missing ids elsewhere, per field", () => {
    expect(issues(createQuotaBody.safeParse({ ...base, scope: "platform", tenantId: "acme", scopeId: "x" }))).toEqual([
      ["tenantId", "platform quotas have no tenant or scope id"],
      ["scopeId", "platform quotas have no tenant or scope id"],
    ]);
    expect(issues(createQuotaBody.safeParse({ ...base, scope: "tenant" }))).toEqual([["tenantId", "required for tenant quotas (or give the tenant id as scopeId)"]]);
    expect(issues(createQuotaBody.safeParse({ ...base, scope: "user" }))).toEqual([
      ["tenantId", "required for user quotas"],
      ["scopeId", "the end-user id is required for user quotas"],
    ]);
    expect(issues(createQuotaBody.safeParse({ ...base, scope: "user", scopeId: "u-1" }))).toEqual([["tenantId", "required for user quotas"]]);
  });
});

describe("updateQuotaBody", () => {
  it("needs at least one change", () => {
    expect(updateQuotaBody.parse({ enabled: false })).toEqual({ enabled: false });
    expect(issues(updateQuotaBody.safeParse({}))).toEqual([["", "change at least one of limitUsd, warningThresholds, enforcement, enabled"]]);
    expect(updateQuotaBody.safeParse({ period: "day" }).success).toBe(false);
  });
});

describe("prices", () => {
  it("takes rates as written, a zoned start and a multi-line note", () => {
    const body = { provider: "openai", model: "gpt-5-mini", inputUsdPerMillion: "0.25", outputUsdPerMillion: 2, effectiveFrom: "2026-03-01T00:00:00Z", note: "line 1\nline 2" };
    expect(createLlmPriceBody.parse(body)).toEqual({ ...body, outputUsdPerMillion: "2" });
    expect(createSandboxPriceBody.parse({ tier: "gpu", usdPerSecond: "0.0001" })).toEqual({ tier: "gpu", usdPerSecond: "0.0001" });
  });

  it("refuses a rate past 100,000, an unknown tier, a start without a zone and a bell in the note", () => {
    expect(issues(createSandboxPriceBody.safeParse({ tier: "gpu", usdPerSecond: 100_001 }))).toEqual([["usdPerSecond", "must be between 0 and 100000"]]);
    expect(createSandboxPriceBody.safeParse({ tier: "tpu", usdPerSecond: 1 }).success).toBe(false);
    const llm = { provider: "openai", model: "m", inputUsdPerMillion: 1, outputUsdPerMillion: 1 };
    expect(issues(createLlmPriceBody.safeParse({ ...llm, effectiveFrom: "2026-03-01T00:00:00" })).map(([path]) => path)).toEqual(["effectiveFrom"]);
    expect(issues(createLlmPriceBody.safeParse({ ...llm, note: "ding\u0007" }))).toEqual([["note", "must not contain control characters (found U+0007)"]]);
    expect(issues(createLlmPriceBody.safeParse({ ...llm, provider: "p".repeat(101) })).map(([path]) => path)).toEqual(["provider"]);
  });
});
