// The 429 of SPEC §5: JSON body with exact figures, the SSE form, Retry-After, and which
// Accept headers ask for a stream.
import { describe, expect, it } from "vitest";
import { quotaExceededBody, quotaExceededEventStream, quotaExceededResponse, wantsEventStream } from "./http.ts";
import { money } from "./money.ts";
import type { QuotaDenial } from "./types.ts";

const denial: QuotaDenial = {
  quotaId: "q-1",
  scope: "user",
  scopeId: "u-acme-7",
  resourceType: "llm",
  period: "day",
  limitUsd: money("2"),
  currentSpendUsd: money("1.9999995"),
  estimatedCostUsd: money("0.0123456789"),
  remainingUsd: money("0.0000005"),
  utilizationPercent: 99.99,
  resetsAt: new Date("2026-12-03T00:00:00Z"),
  retryAfterSeconds: 3600,
};

describe("quotaExceededBody", () => {
  it("names the binding quota and gives its figures as numbers rounded half-even to 6 places", () => {
    expect(quotaExceededBody(denial, "llm")).toEqual({
      error: "quota_exceeded",
      message:
        "The user u-acme-7 llm daily quota of $2.00 is exhausted: $2.00 used or held, $0.00 left, " +
        "this request needs $0.012346. It resets at 2026-12-03T00:00:00.000Z.",
      resourceType: "llm",
      quotaDetails: {
        scope: "user",
        scopeId: "u-acme-7",
        resourceType: "llm",
        limitUsd: 2,
        currentSpendUsd: 2,
        estimatedCostUsd: 0.012346,
        remainingUsd: 0, // 0.0000005 to 6 places, half-even (money.ts)
        period: "day",
        utilizationPercent: 99.99,
      },
      retryAfter: 3600,
    });
  });

  it("reports the request's resource beside the quota's (an `all` quota can deny a sandbox run)", () => {
    const body = quotaExceededBody({ ...denial, scope: "tenant", scopeId: "t-1", resourceType: "all", period: "month" }, "sandbox");
    expect([body.resourceType, body.quotaDetails.resourceType]).toEqual(["sandbox", "all"]);
    expect(body.message.startsWith("The tenant all monthly quota of $2.00 is exhausted")).toBe(true);
  });
});

describe("quotaExceededResponse", () => {
  it("answers 429 JSON with Retry-After and no caching", async () => {
    const r = quotaExceededResponse(denial, "llm", "application/json");
    expect([r.status, r.headers.get("retry-after"), r.headers.get("cache-control"), r.headers.get("content-type")]).toEqual([
      429,
      "3600",
      "no-store",
      "application/json",
    ]);
    expect(await r.json()).toEqual(JSON.parse(JSON.stringify(quotaExceededBody(denial, "llm"))));
  });

  it("answers an event stream when asked: an error event with the body, then done", async () => {
    const r = quotaExceededResponse(denial, "llm", "text/html, text/event-stream;q=0.9");
    expect([r.status, r.headers.get("retry-after"), r.headers.get("content-type")]).toEqual([429, "3600", "text/event-stream; charset=utf-8"]);
    const text = await r.text();
    expect(text).toBe(quotaExceededEventStream(quotaExceededBody(denial, "llm")));
    const [error, done] = text.split("\n\n");
    expect(error.split("\n")[0]).toBe("event: error");
    expect(JSON.parse(error.split("\n")[1].slice("data: ".length)).retryAfter).toBe(3600);
    expect(done).toBe('event: done\ndata: {"status":"quota_exceeded"}');
  });
});

describe("wantsEventStream", () => {
  it.each([
    ["text/event-stream", true],
    [" Text/Event-Stream ; q=1", true],
    ["application/json, text/event-stream", true],
    ["application/json", false],
    ["*/*", false],
    ["", false],
    [null, false],
    [undefined, false],
  ])("%j → %s", (accept, expected) => {
    expect(wantsEventStream(accept)).toBe(expected);
  });
});
