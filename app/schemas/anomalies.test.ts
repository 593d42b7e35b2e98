// The anomalies page's URL filters (a bad value falls back to its default: filters are only
// filters) and the review form (a bad intent or id is refused).
import { describe, expect, it } from "vitest";
import { parseAnomalyFilters, REVIEW_INTENTS, reviewForm } from "./anomalies.ts";

const parse = (o: Record<string, string>) => parseAnomalyFilters(new URLSearchParams(o));

describe("parseAnomalyFilters", () => {
  it("defaults to open findings of every tenant and resource", () => {
    expect(parse({})).toEqual({ status: "open" });
    expect(parse({ status: "", tenant: "", resource: "" })).toEqual({ status: "open" });
  });

  it("takes valid filters, the tenant trimmed", () => {
    expect(parse({ status: "all", tenant: " acme-2 ", resource: "sandbox" })).toEqual({ status: "all", tenant: "acme-2", resource: "sandbox" });
    expect(parse({ status: "dismissed" })).toEqual({ status: "dismissed" });
  });

  it("drops bad values instead of failing the page", () => {
    expect(parse({ status: "deleted", tenant: "Acme Corp", resource: "gpu" })).toEqual({ status: "open" });
    expect(parse({ tenant: "a".repeat(64) })).toEqual({ status: "open" });
    expect(parse({ tenant: "acme'; --" })).toEqual({ status: "open" });
    expect(parse({ tenant: "a".repeat(63) })).toEqual({ status: "open", tenant: "a".repeat(63) });
  });
});

describe("reviewForm", () => {
  const id = "00000000-0000-4000-8000-000000000001";

  it("maps each intent to the status it sets", () => {
    expect(REVIEW_INTENTS).toEqual({ acknowledge: "acknowledged", dismiss: "dismissed", reopen: "open" });
    expect(reviewForm.parse({ intent: "dismiss", id })).toEqual({ intent: "dismiss", id });
  });

  it("refuses an unknown intent and an id that is not a uuid, with the form's messages", () => {
    const r = reviewForm.safeParse({ intent: "delete", id: "1 OR 1=1" });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["intent", "choose acknowledge, dismiss or re-open"],
      ["id", "not a finding id"],
    ]);
  });
});
