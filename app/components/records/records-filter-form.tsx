// The explorer's filters: a plain GET form, so the URL is the state, the browser's Back button
// works, and the page works before JavaScript loads. Errors from the server's validation are
// shown next to their field.
import { Form, Link, useSubmit } from "@remix-run/react";
import { useId, type FormEvent } from "react";
import { RECORD_SORTS, SORT_LABEL, type FieldIssue } from "~/schemas/records.ts";
import type { ExplorerOptions } from "~/services/records.page.server.ts";
import { TenantOptions } from "~/components/forms/tenant-options.tsx";

interface FilterFormProps {
  basePath: string;
  showTenant: boolean;
  values: Record<string, string>;
  issues: FieldIssue[];
  options: ExplorerOptions;
  busy: boolean;
}

export function RecordsFilterForm({ basePath, showTenant, values, issues, options, busy }: FilterFormProps) {
  const id = useId();
  const issueFor = (field: string) => issues.find((i) => i.field === field)?.message;
  const field = (name: string) => {
    const error = issueFor(name);
    return {
      id: `${id}-${name}`,
      name,
      defaultValue: values[name] ?? "",
      "aria-invalid": error ? true : undefined,
      "aria-describedby": error ? `${id}-${name}-error` : undefined,
    };
  };
  const error = (name: string) => {
    const message = issueFor(name);
    return message ? (
      <p className="field-error" id={`${id}-${name}-error`}>
        {message}
      </p>
    ) : null;
  };
  const label = (name: string, text: string) => <label htmlFor={`${id}-${name}`}>{text}</label>;
  const submit = useSubmit();
  // Shareable URLs: leave out the empty fields and the default order (without JavaScript the
  // browser submits them all, which works the same, only longer).
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(event.currentTarget)) {
      if (typeof value === "string" && value.trim() !== "" && !(key === "sort" && value === "time_desc")) params.set(key, value.trim());
    }
    submit(params, { method: "get", action: basePath });
  };

  return (
    // key: a new URL (e.g. Clear) resets the uncontrolled fields to its values.
    <Form
      method="get"
      action={basePath}
      className="filter-form"
      aria-label="Filter cost records"
      key={JSON.stringify(values)}
      onSubmit={onSubmit}
    >
      <div className="filter-grid">
        {showTenant && (
          <div className="field">
            {label("tenant", "Tenant")}
            <select {...field("tenant")}>
              <TenantOptions tenants={options.tenants} />
            </select>
            {error("tenant")}
          </div>
        )}
        <div className="field">
          {label("user", "User ID")}
          <input type="text" {...field("user")} placeholder="e.g. u-acme-7" autoComplete="off" />
          {error("user")}
        </div>
        <div className="field">
          {label("model", "Model")}
          <input type="text" {...field("model")} list={`${id}-models`} placeholder="Any model" autoComplete="off" />
          <datalist id={`${id}-models`}>
            {options.models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          {error("model")}
        </div>
        <div className="field">
          {label("touchpoint", "Touchpoint")}
          <input type="text" {...field("touchpoint")} list={`${id}-touchpoints`} placeholder="Any touchpoint" autoComplete="off" />
          <datalist id={`${id}-touchpoints`}>
            {options.touchpoints.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          {error("touchpoint")}
        </div>
        <div className="field">
          {label("resource", "Resource")}
          <select {...field("resource")}>
            <option value="">LLM and sandbox</option>
            <option value="llm">LLM</option>
            <option value="sandbox">Sandbox</option>
          </select>
          {error("resource")}
        </div>
        <div className="field">
          {label("from", "From (UTC)")}
          <input type="date" {...field("from")} />
          {error("from")}
        </div>
        <div className="field">
          {label("to", "To (UTC, inclusive)")}
          <input type="date" {...field("to")} />
          {error("to")}
        </div>
        <div className="field">
          {label("conversation", "Conversation ID")}
          <input type="text" {...field("conversation")} autoComplete="off" />
          {error("conversation")}
        </div>
        <div className="field">
          {label("task", "Task ID")}
          <input type="text" {...field("task")} autoComplete="off" />
          {error("task")}
        </div>
        <div className="field">
          {label("sort", "Sort")}
          <select {...field("sort")} defaultValue={values.sort || "time_desc"}>
            {RECORD_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABEL[s]}
              </option>
            ))}
          </select>
          {error("sort")}
        </div>
      </div>
      <div className="filter-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Loading…" : "Apply filters"}
        </button>
        <Link to={basePath}>Clear filters</Link>
      </div>
    </Form>
  );
}
