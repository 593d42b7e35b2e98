// The one character rule (safeText) and its use: every string field of every API schema and
// of the panel's forms refuses U+0000, checked field by field (the property suite in
// app/services/api/hostile-input.test.ts samples the same over HTTP).
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { channelInput } from "./alerts.ts";
import { createLlmPriceBody, createQuotaBody, createSandboxPriceBody, createTenantBody, llmPriceQuery, quotaListQuery } from "./admin.ts";
import { quotaStatusQuery, reserveBody, settleBody, usageBody } from "./api.ts";
import { parseRecordsQuery } from "./records.ts";
import { safeId, safeText } from "./text.ts";

const NUL = "must not contain control characters (found U+0000)";

describe("safeText", () => {
  it("refuses C0 controls, DEL, C1 controls and unpaired surrogates; names the first", () => {
    const cases: [string, string][] = [
      ["a\u0000", "must not contain control characters (found U+0000)"],
      ["\u0001", "must not contain control characters (found U+0001)"],
      ["a\tb", "must not contain control characters (found U+0009)"],
      ["line\n", "must not contain control characters (found U+000A)"],
      ["\u001B[31m", "must not contain control characters (found U+001B)"],
      ["\u007F", "must not contain control characters (found U+007F)"],
      ["\u0085", "must not contain control characters (found U+0085)"],
      ["\u009F", "must not contain control characters (found U+009F)"],
      ["a\uD800", "must not contain an unpaired UTF-16 surrogate (found U+D800)"],
      ["\uDFFFa", "must not contain an unpaired UTF-16 surrogate (found U+DFFF)"],
      ["\uDC00\uD800", "must not contain an unpaired UTF-16 surrogate (found U+DC00)"],
    ];
    for (const [v, message] of cases) expect(safeText().safeParse(v).error?.issues).toEqual([{ code: "custom", path: [], message }]);
  });

  it("accepts ordinary text: accents, emoji (a surrogate pair), quotes, backslashes, SQL- and JSON-looking text", () => {
    for (const v of ["", "ünïcode ✓", "😀", "it's", "a\\b", "'; DROP TABLE tenants; --", '{"a":[1]}', "\u00A0", "\u2028"]) {
      expect(safeText().parse(v)).toBe(v);
    }
  });

  it("multi-line text keeps tab, line feed and carriage return, and nothing else", () => {
    expect(safeText({ multiline: true }).parse("a\tb\r\nc\n")).toBe("a\tb\r\nc\n");
    expect(safeText({ multiline: true }).safeParse("a\u0000").success).toBe(false);
    expect(safeText({ multiline: true }).safeParse("a\u000B").success).toBe(false);
  });

  it("checks the value as sent, before trimming; a label names the field for forms", () => {
    expect(safeId().safeParse(" ok\n").success).toBe(false);
    expect(safeId().parse("  ok  ")).toBe("ok");
    expect(safeText({ label: "User" }).safeParse("\u0000").error?.issues[0].message).toBe(`User ${NUL}.`);
  });
});

/** Every field whose valid value is a string gets U+0000 appended: the schema must refuse it at that path. */
function everyStringFieldRefusesNul(schema: z.ZodType, valid: Record<string, unknown>) {
  expect(schema.safeParse(valid).success).toBe(true);
  const fields = Object.entries(valid).filter(([, v]) => typeof v === "string");
  expect(fields.length).toBeGreaterThan(0);
  for (const [k, v] of fields) {
    const r = schema.safeParse({ ...valid, [k]: `${v}\u0000` });
    expect(r.success, `${k} accepted U+0000`).toBe(false);
    // At the field, or inside it (a recipient list is split into an array: "to.0").
    expect(r.error!.issues.some((i) => i.path[0] === k), `${k}: ${JSON.stringify(r.error!.issues)}`).toBe(true);
  }
}

describe("every string field of the API refuses U+0000", () => {
  const attribution = { tenantId: "acme", userId: "u", touchpoint: "chat", conversationId: "c", taskId: "t" };
  it("metering bodies and queries", () => {
    everyStringFieldRefusesNul(reserveBody, { ...attribution, resource: "llm", idempotencyKey: "k", provider: "openai", model: "m", inputTokens: 1, maxOutputTokens: 1 });
    everyStringFieldRefusesNul(reserveBody, { ...attribution, resource: "sandbox", idempotencyKey: "k", tier: "standard", expectedSeconds: 1 });
    everyStringFieldRefusesNul(reserveBody, { ...attribution, resource: "llm", idempotencyKey: "k", estimatedCostUsd: "1.5" });
    everyStringFieldRefusesNul(settleBody, { actualCostUsd: "1" });
    everyStringFieldRefusesNul(usageBody, { ...attribution, resource: "llm", idempotencyKey: "k", provider: "openai", model: "m", inputTokens: 1, outputTokens: 1, occurredAt: "2026-01-01T00:00:00Z" });
    everyStringFieldRefusesNul(usageBody, { ...attribution, resource: "sandbox", idempotencyKey: "k", tier: "standard", durationMs: 1 });
    everyStringFieldRefusesNul(quotaStatusQuery, { tenantId: "acme", userId: "u", resource: "llm" });
  });

  it("administration bodies and queries", () => {
    everyStringFieldRefusesNul(createTenantBody, { slug: "acme", name: "Acme" });
    everyStringFieldRefusesNul(createQuotaBody, { scope: "user", tenantId: "acme", scopeId: "u", resource: "llm", period: "day", limitUsd: "5", enforcement: "hard" });
    everyStringFieldRefusesNul(quotaListQuery, { scope: "user", tenantId: "acme", scopeId: "u", resource: "llm" });
    everyStringFieldRefusesNul(createLlmPriceBody, { provider: "p", model: "m", inputUsdPerMillion: "1", outputUsdPerMillion: "2", cachedInputUsdPerMillion: "1", effectiveFrom: "2026-01-01T00:00:00Z", note: "n" });
    everyStringFieldRefusesNul(createSandboxPriceBody, { tier: "gpu", usdPerSecond: "1", effectiveFrom: "2026-01-01T00:00:00Z", note: "n" });
    everyStringFieldRefusesNul(llmPriceQuery, { provider: "p", model: "m", at: "2026-01-01T00:00:00Z" });
  });

  it("a price note is multi-line text: line breaks are kept, U+0000 is not", () => {
    const body = { provider: "p", model: "m", inputUsdPerMillion: "1", outputUsdPerMillion: "2", note: "line one\r\nline two\tend" };
    expect(createLlmPriceBody.parse(body).note).toBe("line one\r\nline two\tend");
  });
});

describe("panel forms", () => {
  it("alert channel forms refuse U+0000 in every text field", () => {
    everyStringFieldRefusesNul(channelInput, { type: "webhook", name: "hook", url: "https://example.com/h", signingSecret: "s3cret-s3cret" });
    everyStringFieldRefusesNul(channelInput, { type: "email", name: "mail", smtpHost: "smtp.example.com", smtpPort: "25", username: "u", from: "a@example.com", to: "b@example.com", password: "pw" });
    everyStringFieldRefusesNul(channelInput, { type: "pagerduty", name: "pd", routingKey: "rk" });
    everyStringFieldRefusesNul(channelInput, { type: "slack", name: "sl", webhookUrl: "https://hooks.example.com/x" });
  });

  it("the records explorer reports a control character in a filter by the field's name", () => {
    expect(parseRecordsQuery(new URLSearchParams({ user: "a\u0000b", touchpoint: "ok" }))).toEqual({
      ok: false,
      issues: [{ field: "user", message: `User ${NUL}.` }],
    });
  });
});
