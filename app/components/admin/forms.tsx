// Small form pieces shared by the admin pages: a labelled field whose error sits next to it
// (aria-invalid + aria-describedby), zod issues as a field → message map, and the buttons of a
// filter form.
import { Link, useLocation } from "@remix-run/react";
import type { ReactNode } from "react";
import type { z } from "zod";

export type FieldErrors = Record<string, string | undefined>;

export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "_form");
    out[key] ??= issue.message;
  }
  return out;
}

/** Props that wire an input to its error message. */
export function invalidProps(id: string, error: string | undefined) {
  return error ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {};
}

export function Field({
  id,
  label,
  error,
  hint,
  wide,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <div className={`field${wide ? " field--wide" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error && <p className="field-hint">{hint}</p>}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** "2026-11-23T10:04:00.000Z" → "Nov 23, 2026, 10:04 UTC"; null → the fallback. */
export function formatTime(iso: string | null, fallback = "—"): string {
  if (!iso) return fallback;
  return `${new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC", hourCycle: "h23" }).format(new Date(iso))} UTC`;
}

/** A GET filter form's buttons: apply the filters, and (once anything is in the URL) start over. */
export function FilterActions({ resetTo }: { resetTo: string }) {
  const location = useLocation();
  return (
    <div className="filter-actions">
      <button type="submit" className="button button--primary">
        Show
      </button>
      {location.search && <Link to={resetTo}>Reset</Link>}
    </div>
  );
}
