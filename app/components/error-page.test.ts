// What a failed page is titled: the status of a thrown response, 500 for anything else.
import { describe, expect, it } from "vitest";
import { errorStatus, errorTitle } from "./error-page.tsx";

describe("errorStatus / errorTitle", () => {
  it("takes the status of a route error response and 500 for any other error", () => {
    expect(errorStatus({ status: 404, statusText: "Not Found", internal: false, data: null })).toBe(404);
    expect(errorStatus(new Error("boom"))).toBe(500);
    expect(errorStatus({ status: 404 })).toBe(500); // not a route error response
    expect(errorStatus(null)).toBe(500);
  });

  it("names each status a person can act on", () => {
    expect([404, 401, 403, 429, 503, 500, 400].map(errorTitle)).toEqual([
      "Page not found",
      "Not allowed",
      "Not allowed",
      "Too many requests",
      "Temporarily unavailable",
      "Something went wrong",
      "Something went wrong",
    ]);
  });
});
