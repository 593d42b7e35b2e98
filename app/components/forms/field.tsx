// The one form field of the panel: a labelled control with its error next to it (SPEC §6:
// errors next to the field). The error is tied to the control with aria-describedby and
// aria-invalid, so screen readers read it. Plus the few pieces every form shares.
import { Link, useLocation } from "@remix-run/react";
import type { ReactNode } from "react";

interface FieldProps {
  name: string;
  /** The control's id; default `<idPrefix>-<name>`. */
  id?: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  /** Prefix for ids when one page has several forms with the same field names. */
  idPrefix?: string;
  /** Spans the whole row of a grid form. */
  wide?: boolean;
  children: (props: { id: string; name: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}

export function Field({ name, label, error, hint, idPrefix = "f", wide, children, ...props }: FieldProps) {
  const id = props.id ?? `${idPrefix}-${name}`;
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={wide ? "field field--wide" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, "aria-invalid": error ? true : undefined, "aria-describedby": described })}
      {hint && (
        <p className="field-hint muted" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

export function Options({ values, labels }: { values: readonly string[]; labels?: Record<string, string> }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {labels?.[v] ?? v}
        </option>
      ))}
    </>
  );
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
