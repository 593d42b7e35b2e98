// Durations in the TTL advice table, and its row ids.
import { describe, expect, it } from "vitest";
import { formatSeconds, ttlRowId, type TtlAdviceData } from "./ttl-advice-table.tsx";

describe("formatSeconds", () => {
  it("shows seconds, minutes (with seconds when not whole) and hours with minutes", () => {
    expect([null, 0, 42, 59.4, 59.6, 600, 605, 3599, 3600, 3725, 86_400].map(formatSeconds)).toEqual([
      "—",
      "0s",
      "42s",
      "59s",
      "1m",
      "10m",
      "10m 05s",
      "59m 59s",
      "1h 00m",
      "1h 02m",
      "24h 00m",
    ]);
  });
});

describe("ttlRowId", () => {
  it("is the tenant and the touchpoint, empty for none", () => {
    const row = (touchpoint: string | null) => ({ tenantSlug: "acme", touchpoint }) as TtlAdviceData;
    expect(ttlRowId(row("main-chat"))).toBe("acme/main-chat");
    expect(ttlRowId(row(null))).toBe("acme/");
  });
});
