// The generic webhook's contract (README "Webhook format"): the body's fields, and the signature
// a receiver recomputes — HMAC-SHA256 over "<timestamp>.<raw body>", checked against vectors
// computed with openssl, so a change of the scheme breaks this test, not only the receivers.
process.env.PUBLIC_URL = "https://tollgate.example.com";
import { describe, expect, it } from "vitest";
import type { AlertMessage } from "../message.server.ts";
import { webhookBody, webhookSignature } from "./webhook.server.ts";

describe("webhookSignature", () => {
  it("is v1=hex(HMAC-SHA256(secret, timestamp.body))", () => {
    // printf '%s' '1733097600.{"kind":"test"}' | openssl dgst -sha256 -hmac whsec-test
    expect(webhookSignature("whsec-test", "1733097600", '{"kind":"test"}')).toBe(
      "v1=29a0f2783239e735355a3e4f2679da54d507b4413489c5a37c7f1b28f3d65905",
    );
    // Another second signs differently: a replayed body needs its own timestamp.
    expect(webhookSignature("whsec-test", "1733097601", '{"kind":"test"}')).toBe(
      "v1=fac979519f0ef71964e06d49fe366ca5d0ceabc467f7beda73593369744a09ff",
    );
  });
});

describe("webhookBody", () => {
  it("sends the documented fields, the link made absolute, and nothing else", () => {
    const m: AlertMessage = {
      kind: "anomaly",
      severity: "warning",
      summary: "Spend anomaly at Acme",
      facts: [{ label: "Day", value: "2026-12-01" }],
      link: "/records?tenant=acme",
      tenantId: "t-1",
      dedupeKey: "anomaly:f-1",
      occurredAt: "2026-12-02T06:00:00.000Z",
      resource: "llm",
      resolveAt: "2026-12-03T00:00:00.000Z",
      action: "trigger",
    };
    expect(webhookBody(m)).toEqual({
      kind: "anomaly",
      severity: "warning",
      summary: "Spend anomaly at Acme",
      facts: [{ label: "Day", value: "2026-12-01" }],
      link: "https://tollgate.example.com/records?tenant=acme",
      tenantId: "t-1",
      dedupeKey: "anomaly:f-1",
      occurredAt: "2026-12-02T06:00:00.000Z",
    });
  });
});
