// Control-panel forms → the admin contract (app/schemas/admin.ts). HTML forms send strings;
// these helpers turn them into the shapes the API schemas validate, so a form and
// POST /api/v1/... accept exactly the same values, and turn zod issues into per-field errors.
import { z } from "zod";

export type FieldErrors = Record<string, string>;

/** A form's text fields as an object; blank fields are absent (optional means "not given"). */
export function formFields<K extends string>(form: FormData, names: readonly K[]): Record<K, string | undefined> {
  const out = {} as Record<K, string | undefined>;
  for (const n of names) {
    const v = form.get(n);
    out[n] = typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  }
  return out;
}

/** "80, 90" → [80, 90]; something not a list of whole numbers → the raw string, so zod rejects it. */
export function thresholdList(raw: string | undefined): number[] | string | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(/[\s,]+/).filter(Boolean);
  if (!parts.every((p) => /^-?\d+$/.test(p))) return raw;
  return parts.map(Number);
}

/** A checkbox: present → true. */
export const checkbox = (form: FormData, name: string) => form.get(name) === "on" || form.get(name) === "true";

/**
 * `<input type="datetime-local">` gives "2026-11-23T12:30" with no zone; the panel shows and
 * takes times in UTC (like every period boundary), so it is read as UTC.
 */
export function utcLocalToIso(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(raw);
  if (!m) return raw; // zod reports it
  return `${m[1]}T${m[2]}${m[3] ?? ":00"}.000Z`;
}

/** ISO time → the value a datetime-local input shows (UTC, minutes). */
export const isoToUtcLocal = (iso: string) => iso.slice(0, 16);

/** The first message per field; issues without a path go under "form". */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "form";
    out[key] ??= issue.message;
  }
  return out;
}



const QUOTA_FIELDS = ["scope", "tenantId", "scopeId", "resource", "period", "limitUsd", "warningThresholds", "enforcement"] as const;

/** A quota form as the body of POST /api/v1/quotas (create) — `enabled` is a checkbox. */
export function quotaCreateValues(form: FormData) {
  const v = formFields(form, QUOTA_FIELDS);
  return { ...v, warningThresholds: thresholdList(v.warningThresholds) ?? [], enabled: checkbox(form, "enabled") };
}

/** A quota edit form as the body of PATCH /api/v1/quotas/{id}: every editable field is sent. */
export function quotaUpdateValues(form: FormData) {
  const v = formFields(form, ["limitUsd", "warningThresholds", "enforcement"]);
  return { ...v, warningThresholds: thresholdList(v.warningThresholds) ?? [], enabled: checkbox(form, "enabled") };
}
