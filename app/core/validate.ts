// The core's own check of every value a request carries, run before the request reaches SQL or
// joins a group-commit batch. Library callers skip the API's zod schemas, and a batch is one SQL
// message shared by many tenants: one value PostgreSQL cannot take (U+0000, a lone surrogate)
// failed the whole batch, and with it other tenants' requests (issue #12). Pure: no I/O.
// The API's schemas use the same character rule (app/schemas/text.ts), so both answer alike.
import { TollgateError, type ActualUsage, type RecordRequest, type ReserveRequest } from "./types.ts";

export type Issue = { path: string; message: string };

// Control characters (Unicode Cc: C0, DEL, C1) and lone UTF-16 surrogates. With the `u` flag a
// surrogate *pair* is one code point and does not match; only an unpaired half does. PostgreSQL
// cannot store U+0000 or a lone surrogate at all; the other controls are refused because no id
// or name needs them and they hide text in logs and the panel.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]/u;
// Multi-line free text (descriptions, notes) may keep tab, line feed and carriage return
// (browsers send a textarea's line breaks as CR LF).
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/u;

/** What is wrong with a text value's characters, or undefined when every character can be stored. */
export function textProblem(s: string, opts: { multiline?: boolean } = {}): string | undefined {
  const m = (opts.multiline ? CONTROL_MULTILINE : CONTROL).exec(s);
  if (!m) return undefined;
  const cp = m[0].codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return cp >= 0xd800 && cp <= 0xdfff
    ? `must not contain an unpaired UTF-16 surrogate (found ${hex})`
    : `must not contain control characters (found ${hex})`;
}

// Ids are stored in unique btree indexes, whose entries cannot pass ~2,700 bytes (error 54000):
// 500 characters of at most 4 UTF-8 bytes each stay under that. The API allows 200.
export const MAX_ID_LENGTH = 500;
// Counts go into int columns.
const MAX_COUNT = 2_147_483_647;
// NUMERIC(24,10) holds amounts below 10^14; a cap far below leaves room for period sums.
export const MAX_AMOUNT_USD = 1_000_000_000_000;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

class Checker {
  readonly issues: Issue[] = [];
  constructor(private readonly value: Record<string, unknown>) {}

  private add(path: string, message: string) {
    this.issues.push({ path, message });
  }

  text(path: string, opts: { required?: boolean } = {}) {
    const v = this.value[path];
    if (v === undefined || v === null) {
      if (opts.required) this.add(path, "required");
      return;
    }
    if (typeof v !== "string") return this.add(path, "must be a string");
    if (opts.required && v.length === 0) return this.add(path, "must not be empty");
    if (v.length > MAX_ID_LENGTH) return this.add(path, `must be at most ${MAX_ID_LENGTH} characters`);
    const problem = textProblem(v);
    if (problem) this.add(path, problem);
  }

  count(path: string, opts: { required?: boolean } = {}) {
    const v = this.value[path];
    if (v === undefined || v === null) {
      if (opts.required) this.add(path, "required");
      return;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_COUNT) {
      this.add(path, `must be a whole number from 0 to ${MAX_COUNT}`);
    }
  }

  amount(path: string) {
    const v = this.value[path];
    const ok =
      typeof v === "number"
        ? Number.isFinite(v) && v >= 0 && v <= MAX_AMOUNT_USD
        : typeof v === "string" && PLAIN_DECIMAL.test(v) && Number(v) <= MAX_AMOUNT_USD;
    if (!ok) this.add(path, `must be a plain decimal amount from 0 to ${MAX_AMOUNT_USD}`);
  }

  oneOf(path: string, allowed: readonly string[]) {
    if (!allowed.includes(this.value[path] as string)) this.add(path, `must be one of: ${allowed.join(", ")}`);
  }

  error(): TollgateError | undefined {
    if (!this.issues.length) return undefined;
    return new TollgateError("invalid_request", this.issues.map((i) => `${i.path} ${i.message}`).join("; ") + ".", this.issues);
  }
}

const ATTRIBUTION = ["userId", "touchpoint", "conversationId", "taskId"] as const;

function notAnObject(what: string) {
  return new TollgateError("invalid_request", `The ${what} must be an object.`, [{ path: "(body)", message: "must be an object" }]);
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The attribution every reserve and record carries; returns the checker to go on with. */
function attributed(req: Record<string, unknown>): Checker {
  const c = new Checker(req);
  c.text("tenantId", { required: true });
  c.text("idempotencyKey", { required: true });
  for (const f of ATTRIBUTION) c.text(f);
  c.oneOf("resource", ["llm", "sandbox"]);
  return c;
}

/** invalid_request naming every bad field of a reservation, or undefined. */
export function reserveProblems(req: ReserveRequest): TollgateError | undefined {
  if (!isObject(req)) return notAnObject("reservation request");
  const c = attributed(req);
  for (const f of ["provider", "model", "tier"]) c.text(f);
  for (const f of ["inputTokens", "maxOutputTokens", "expectedSeconds"]) c.count(f);
  if (req.estimatedCostUsd !== undefined) c.amount("estimatedCostUsd");
  return c.error();
}

/** invalid_request for a reservation id that is not a clean string (an unknown id stays not_found). */
export function reservationIdProblems(reservationId: unknown): TollgateError | undefined {
  const c = new Checker({ reservationId });
  c.text("reservationId", { required: true });
  return c.error();
}

/** invalid_request naming every bad field of a settle: the id and the actual usage. */
export function settleProblems(reservationId: unknown, actual: ActualUsage): TollgateError | undefined {
  const idProblem = reservationIdProblems(reservationId);
  if (!isObject(actual)) return idProblem ?? notAnObject("actual usage");
  const c = new Checker(actual);
  c.issues.push(...(idProblem?.issues ?? []));
  // The same dispatch as ledger.priceActual: an amount, else tokens, else sandbox time.
  if ("actualCostUsd" in actual) c.amount("actualCostUsd");
  else if ("inputTokens" in actual) {
    c.count("inputTokens", { required: true });
    c.count("outputTokens", { required: true });
    c.count("cachedInputTokens");
  } else {
    c.count("durationMs", { required: true });
    c.count("activeDurationMs");
    c.count("sandboxTtlSeconds");
  }
  return c.error();
}

/** invalid_request naming every bad field of a one-shot record, or undefined. */
export function recordProblems(req: RecordRequest): TollgateError | undefined {
  if (!isObject(req)) return notAnObject("record request");
  const r = req as Record<string, unknown>;
  const c = attributed(r);
  // The same dispatch as ledger.priceUsage: an amount, else LLM tokens, else sandbox time.
  if (r.actualCostUsd !== undefined) {
    c.amount("actualCostUsd");
    for (const f of ["provider", "model", "tier"]) c.text(f);
  } else if (r.resource === "llm") {
    c.text("provider", { required: true });
    c.text("model", { required: true });
    c.count("inputTokens", { required: true });
    c.count("outputTokens", { required: true });
    c.count("cachedInputTokens");
  } else {
    c.text("tier", { required: true });
    c.count("durationMs", { required: true });
    c.count("activeDurationMs");
    c.count("sandboxTtlSeconds");
  }
  if (r.occurredAt !== undefined && !(r.occurredAt instanceof Date && Number.isFinite(r.occurredAt.getTime()))) {
    c.issues.push({ path: "occurredAt", message: "must be a valid Date" });
  }
  return c.error();
}
