// The one character rule for every string the API and the panel's forms accept: no control
// characters and no unpaired UTF-16 surrogates (PostgreSQL cannot store U+0000 or a lone
// surrogate; the other controls hide text in logs and pages). The rule itself is the core's
// (app/core/validate.ts), so a request the schemas accept is never refused by the core for
// its characters, and the two answer with the same issue message.
import { z } from "zod";
import { textProblem } from "../core/validate.ts";

/**
 * A string without control characters. `multiline` (descriptions, notes from a textarea) keeps
 * tab, line feed and carriage return. The check sees the value as sent, before any `.trim()`.
 * `label` puts the field's name in the message, for forms that show messages without paths.
 */
export function safeText(opts: { multiline?: boolean; label?: string } = {}) {
  return z.string().superRefine((v, ctx) => {
    const problem = textProblem(v, opts);
    // A panel form names the field in its message ("User must not …"); the API in the issue path.
    if (problem) ctx.addIssue({ code: "custom", message: opts.label ? `${opts.label} ${problem}.` : problem });
  });
}

/** A single-line id or name: safe, trimmed, 1–max characters. */
export const safeId = (max = 200) => safeText().trim().min(1).max(max);
