// "The database is not answering" outside the core: Prisma's connection codes, the core's pg
// rule, and either one as the cause of a wrapping error. Everything else is a real error (500),
// never a 503.
import { describe, expect, it } from "vitest";
import { TollgateError } from "~/core/types.ts";
import { isDatabaseUnavailable } from "./availability.ts";

describe("isDatabaseUnavailable", () => {
  it("counts Prisma's can't-reach, timeout and closed-connection codes", () => {
    for (const code of ["P1001", "P1002", "P1008", "P1017", "P2024"]) expect(isDatabaseUnavailable({ code })).toBe(true);
  });

  it("counts pg's connection failures and the driver's own connection errors, also as a cause", () => {
    expect(isDatabaseUnavailable({ code: "ECONNREFUSED" })).toBe(true);
    expect(isDatabaseUnavailable({ code: "57P01", severity: "FATAL" })).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new TollgateError("quota_unavailable", "down"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("query failed", { cause: { code: "08006" } }))).toBe(true);
  });

  it("does not count errors the database answered with, other Prisma errors, or non-errors", () => {
    expect(isDatabaseUnavailable({ code: "P2002" })).toBe(false); // unique violation
    expect(isDatabaseUnavailable({ code: "P2025" })).toBe(false); // record not found
    expect(isDatabaseUnavailable({ code: "23505", severity: "ERROR" })).toBe(false);
    // A server error quoting a request's value is still an answer.
    expect(isDatabaseUnavailable({ code: "22P02", severity: "ERROR", message: 'invalid input syntax for type uuid: "Connection terminated"' })).toBe(false);
    expect(isDatabaseUnavailable(new TollgateError("invalid_request", "bad"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("query failed", { cause: { code: "23505", severity: "ERROR" } }))).toBe(false);
    for (const v of [null, undefined, 0, "", "ECONNREFUSED", { code: 1001 }, {}]) expect(isDatabaseUnavailable(v)).toBe(false);
  });
});
