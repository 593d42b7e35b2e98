// actionError: the one mapping of a failed service call to a form's status and messages.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TollgateError } from "~/core/index.ts";
import { actionError, failedAction, orNotFound } from "./action-error.server.ts";

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
};

describe("actionError", () => {
  it("not_found is the 404 page, thrown", () => {
    const r = thrown(() => actionError(new TollgateError("not_found", "No such quota.")));
    expect(r).toBeInstanceOf(Response);
    expect((r as Response).status).toBe(404);
  });

  it("invalid_request → 400 with each issue at its field (first message wins, nested paths at the top field)", () => {
    const e = new TollgateError("invalid_request", "Bad.", [
      { path: "limitUsd", message: "must be positive" },
      { path: "limitUsd", message: "second" },
      { path: "config.url", message: "not a URL" },
    ]);
    expect(actionError(e)).toEqual({ status: 400, message: "Bad.", errors: { limitUsd: "must be positive", config: "not a URL" } });
  });

  it("conflict → 409 and unknown_price → 400; with no issues the message goes on top of the form", () => {
    expect(actionError(new TollgateError("conflict", "Already exists."))).toEqual({ status: 409, message: "Already exists.", errors: { form: "Already exists." } });
    expect(actionError(new TollgateError("unknown_price", "No price."))).toEqual({ status: 400, message: "No price.", errors: { form: "No price." } });
  });

  it("a zod error → 400 with field errors", () => {
    const r = z.object({ name: z.string().min(1, "Enter a name.") }).safeParse({ name: "" });
    expect(actionError(r.error)).toEqual({ status: 400, message: "Check the highlighted fields.", errors: { name: "Enter a name." } });
  });

  it("anything else (an outage, a bug) is rethrown unchanged, for the error page", () => {
    const outage = new TollgateError("quota_unavailable", "Unavailable.");
    expect(thrown(() => actionError(outage))).toBe(outage);
    const bug = new Error("relation does not exist");
    expect(thrown(() => actionError(bug))).toBe(bug);
  });
});

describe("failedAction", () => {
  it("answers the body, the errors and the message with the status", () => {
    const r = failedAction(new TollgateError("conflict", "Taken."), { intent: "toggle" }) as unknown as { data: unknown; init: { status: number } };
    expect(r.init.status).toBe(409);
    expect(r.data).toEqual({ intent: "toggle", errors: { form: "Taken." }, failure: "Taken." });
  });
});

describe("orNotFound", () => {
  it("turns not_found into the 404 page and passes values and other errors through", async () => {
    expect(await orNotFound(async () => 7)).toBe(7);
    const r = await orNotFound(async () => {
      throw new TollgateError("not_found", "gone");
    }).catch((e) => e);
    expect((r as Response).status).toBe(404);
    const bug = new Error("x");
    expect(await orNotFound(async () => Promise.reject(bug)).catch((e) => e)).toBe(bug);
  });
});
