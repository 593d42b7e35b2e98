// The alert pages' titles: the section, and the tenant when it is a tenant's page.
import { describe, expect, it } from "vitest";
import { alertsTitle } from "./alerts-header.tsx";

describe("alertsTitle", () => {
  it("adds the tenant's name on a tenant's alert pages", () => {
    expect(alertsTitle("Rules", null)).toBe("Rules");
    expect(alertsTitle("Delivery log", "Acme")).toBe("Delivery log · Acme");
  });
});
