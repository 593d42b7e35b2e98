// How every page's action answers a failed service call: the one mapping of typed errors to a
// status and messages for the form (the HTTP API has its own in api/respond.server.ts).
import { data } from "@remix-run/node";
import { z } from "zod";
import { TollgateError } from "~/core/index.ts";
import { fieldErrors, type FieldErrors } from "~/schemas/forms.ts";
import { notFound } from "./auth.server.ts";

export interface ActionFailure {
  status: 400 | 409;
  /** One sentence for the top of the form. */
  message: string;
  /** Field → message; issues naming no field are under "form". */
  errors: FieldErrors;
}

const STATUS = { invalid_request: 400, unknown_price: 400, conflict: 409 } as const;

/**
 * A failed call as a form answers it:
 * - not_found → the 404 page, thrown (another tenant's id looks exactly like a missing one);
 * - invalid_request, unknown_price → 400, conflict → 409, a zod error → 400, each with the
 *   messages next to their fields (or on top);
 * - anything else (quota_unavailable, a fault) is rethrown: the error page answers 503 or 500,
 *   without the stack or SQL.
 */
export function actionError(e: unknown): ActionFailure {
  if (e instanceof TollgateError && e.code === "not_found") throw notFound();
  if (e instanceof TollgateError && e.code in STATUS) {
    const errors: FieldErrors = {};
    for (const i of e.issues) errors[i.path.split(".")[0] || "form"] ??= i.message;
    if (Object.keys(errors).length === 0) errors.form = e.message;
    return { status: STATUS[e.code as keyof typeof STATUS], message: e.message, errors };
  }
  if (e instanceof z.ZodError) return { status: 400, message: "Check the highlighted fields.", errors: fieldErrors(e) };
  throw e;
}

/** The usual answer: `body` plus the failure's errors, with its status (scripts and tests see it). */
export function failedAction<T extends object>(e: unknown, body: T) {
  const f = actionError(e);
  return data({ ...body, errors: f.errors, failure: f.message }, { status: f.status });
}

/** A loader's service call: not_found becomes the 404 page; anything else propagates. */
export async function orNotFound<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TollgateError && e.code === "not_found") throw notFound();
    throw e;
  }
}
