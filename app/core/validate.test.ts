// The core's own input check (issue #12): every bad field named at once, characters PostgreSQL
// cannot store refused before a request joins a batch, ids bounded, amounts plain decimals, and
// the same dispatch as pricing (amount, else tokens, else sandbox time).
import { describe, expect, it } from "vitest";
import { MAX_AMOUNT_USD, MAX_ID_LENGTH, recordProblems, reservationIdProblems, reserveProblems, settleProblems, textProblem } from "./validate.ts";
import type { RecordRequest, ReserveRequest } from "./types.ts";

const issues = (e: { issues?: unknown } | undefined) => e?.issues;

describe("textProblem", () => {
  it.each([
    ["plain text, ünïcode and 😀", undefined],
    ["nul\u0000", "must not contain control characters (found U+0000)"],
    ["tab\t", "must not contain control characters (found U+0009)"],
    ["del\u007f", "must not contain control characters (found U+007F)"],
    ["c1\u0085", "must not contain control characters (found U+0085)"],
    ["lone \ud83d high surrogate", "must not contain an unpaired UTF-16 surrogate (found U+D83D)"],
    ["lone \ude00 low surrogate", "must not contain an unpaired UTF-16 surrogate (found U+DE00)"],
  ])("%j → %s", (text, expected) => {
    expect(textProblem(text)).toBe(expected);
  });

  it("multi-line text keeps tab, LF and CR, and still refuses NUL", () => {
    expect(textProblem("line 1\r\n\tline 2", { multiline: true })).toBe(undefined);
    expect(textProblem("a\u0000", { multiline: true })).toBe("must not contain control characters (found U+0000)");
    expect(textProblem("a\u000b", { multiline: true })).toBe("must not contain control characters (found U+000B)");
  });
});

const reserve: ReserveRequest = {
  tenantId: "acme",
  userId: "u-1",
  resource: "llm",
  touchpoint: "main-chat",
  provider: "openai",
  model: "gpt-5-mini",
  inputTokens: 1200,
  maxOutputTokens: 800,
  idempotencyKey: "req-42",
};

describe("reserveProblems", () => {
  it("accepts a clean request", () => {
    expect(reserveProblems(reserve)).toBe(undefined);
    expect(reserveProblems({ ...reserve, estimatedCostUsd: "0.0125" })).toBe(undefined);
  });

  it("names every bad field in one invalid_request", () => {
    const e = reserveProblems({
      ...reserve,
      tenantId: "",
      idempotencyKey: undefined as unknown as string,
      userId: "u\u0000",
      resource: "gpu" as "llm",
      inputTokens: -1,
      maxOutputTokens: 1.5,
      estimatedCostUsd: "1e3",
    });
    expect(e?.code).toBe("invalid_request");
    expect(issues(e)).toEqual([
      { path: "tenantId", message: "must not be empty" },
      { path: "idempotencyKey", message: "required" },
      { path: "userId", message: "must not contain control characters (found U+0000)" },
      { path: "resource", message: "must be one of: llm, sandbox" },
      { path: "inputTokens", message: "must be a whole number from 0 to 2147483647" },
      { path: "maxOutputTokens", message: "must be a whole number from 0 to 2147483647" },
      { path: "estimatedCostUsd", message: `must be a plain decimal amount from 0 to ${MAX_AMOUNT_USD}` },
    ]);
    expect(e?.message).toBe(
      "tenantId must not be empty; idempotencyKey required; userId must not contain control characters (found U+0000); " +
        "resource must be one of: llm, sandbox; inputTokens must be a whole number from 0 to 2147483647; " +
        "maxOutputTokens must be a whole number from 0 to 2147483647; " +
        `estimatedCostUsd must be a plain decimal amount from 0 to ${MAX_AMOUNT_USD}.`,
    );
  });

  it("bounds ids at MAX_ID_LENGTH characters", () => {
    expect(reserveProblems({ ...reserve, idempotencyKey: "k".repeat(MAX_ID_LENGTH) })).toBe(undefined);
    expect(issues(reserveProblems({ ...reserve, idempotencyKey: "k".repeat(MAX_ID_LENGTH + 1) }))).toEqual([
      { path: "idempotencyKey", message: `must be at most ${MAX_ID_LENGTH} characters` },
    ]);
  });

  it("amounts: numbers and plain decimal strings up to the cap", () => {
    for (const ok of [0, 0.5, MAX_AMOUNT_USD, "0", "12.3456789012", String(MAX_AMOUNT_USD)]) {
      expect(reserveProblems({ ...reserve, estimatedCostUsd: ok as string }), String(ok)).toBe(undefined);
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_AMOUNT_USD + 1, "-1", "1,5", " 1", "0x10", ".5", "1."]) {
      expect(issues(reserveProblems({ ...reserve, estimatedCostUsd: bad as string })), String(bad)).toHaveLength(1);
    }
  });

  it("refuses what is not an object", () => {
    for (const v of [null, "x", [reserve]]) {
      expect(issues(reserveProblems(v as unknown as ReserveRequest))).toEqual([{ path: "(body)", message: "must be an object" }]);
    }
  });
});

describe("settleProblems", () => {
  it("dispatches like pricing: an amount, else tokens, else sandbox time", () => {
    expect(settleProblems("r-1", { actualCostUsd: "0.01" })).toBe(undefined);
    expect(settleProblems("r-1", { inputTokens: 10, outputTokens: 2 })).toBe(undefined);
    expect(settleProblems("r-1", { durationMs: 95_000 })).toBe(undefined);
    expect(issues(settleProblems("r-1", { inputTokens: 10 } as never))).toEqual([{ path: "outputTokens", message: "required" }]);
    expect(issues(settleProblems("r-1", {} as never))).toEqual([{ path: "durationMs", message: "required" }]);
  });

  it("names a bad id together with bad usage", () => {
    expect(issues(settleProblems("r\u0000", { actualCostUsd: "-1" }))).toEqual([
      { path: "reservationId", message: "must not contain control characters (found U+0000)" },
      { path: "actualCostUsd", message: `must be a plain decimal amount from 0 to ${MAX_AMOUNT_USD}` },
    ]);
    expect(issues(settleProblems("", null as never))).toEqual([{ path: "reservationId", message: "must not be empty" }]);
    expect(issues(settleProblems("r-1", null as never))).toEqual([{ path: "(body)", message: "must be an object" }]);
  });
});

describe("reservationIdProblems", () => {
  it("refuses a missing, empty or non-string id; an unknown clean id is not its business", () => {
    expect(reservationIdProblems("00000000-0000-0000-0000-000000000000")).toBe(undefined);
    expect(issues(reservationIdProblems(undefined))).toEqual([{ path: "reservationId", message: "required" }]);
    expect(issues(reservationIdProblems(42))).toEqual([{ path: "reservationId", message: "must be a string" }]);
  });
});

describe("recordProblems", () => {
  const llm: RecordRequest = { tenantId: "acme", resource: "llm", provider: "openai", model: "gpt-5", inputTokens: 1, outputTokens: 1, idempotencyKey: "r-1" };

  it("LLM records need provider, model and tokens; sandbox records a tier and a duration", () => {
    expect(recordProblems(llm)).toBe(undefined);
    expect(issues(recordProblems({ tenantId: "acme", resource: "llm", idempotencyKey: "r-1" } as RecordRequest))).toEqual([
      { path: "provider", message: "required" },
      { path: "model", message: "required" },
      { path: "inputTokens", message: "required" },
      { path: "outputTokens", message: "required" },
    ]);
    expect(issues(recordProblems({ tenantId: "acme", resource: "sandbox", idempotencyKey: "r-1" } as RecordRequest))).toEqual([
      { path: "tier", message: "required" },
      { path: "durationMs", message: "required" },
    ]);
    expect(recordProblems({ tenantId: "acme", resource: "sandbox", idempotencyKey: "r-1", actualCostUsd: "0.5" } as RecordRequest)).toBe(undefined);
  });

  it("occurredAt must be a valid Date", () => {
    expect(recordProblems({ ...llm, occurredAt: new Date("2026-11-01T00:00:00Z") })).toBe(undefined);
    expect(issues(recordProblems({ ...llm, occurredAt: new Date("nope") }))).toEqual([{ path: "occurredAt", message: "must be a valid Date" }]);
    expect(issues(recordProblems({ ...llm, occurredAt: "2026-11-01" as unknown as Date }))).toEqual([{ path: "occurredAt", message: "must be a valid Date" }]);
  });
});
