// The quota form shared by the staff quota pages and the tenant admin's user quotas: create
// (scope, tenant, end user, resource, period) or edit (those are fixed once created; limit,
// thresholds, enforcement and enabled change). Errors from the server sit next to each field.
import { Form } from "@remix-run/react";
import type { FieldErrors } from "~/schemas/forms.ts";
import { Field, FormError, Options } from "./field.tsx";
import { TenantOptions } from "./tenant-options.tsx";

export interface QuotaFormValues {
  scope?: "platform" | "tenant" | "user" | "each_user";
  tenantId?: string | null;
  scopeId?: string | null;
  resourceType?: "llm" | "sandbox" | "all";
  period?: "day" | "week" | "month";
  limitUsd?: number | string;
  warningThresholds?: number[];
  enforcement?: "hard" | "soft";
  enabled?: boolean;
}

const RESOURCES = ["llm", "sandbox", "all"] as const;
const PERIODS = ["day", "week", "month"] as const;
const RESOURCE_LABELS = { llm: "LLM", sandbox: "Sandbox", all: "All resources" };
const PERIOD_LABELS = { day: "Per day", week: "Per week (ISO, Monday)", month: "Per month" };

export function QuotaForm({
  mode,
  values = {},
  errors = {},
  tenants,
  fixedScope,
  fixedTenant,
  submitLabel,
  busy,
  intent,
  children,
}: {
  mode: "create" | "edit";
  values?: QuotaFormValues;
  errors?: FieldErrors;
  /** Tenant choices for staff; absent when the tenant is fixed. */
  tenants?: { id: string; slug: string; name: string }[];
  fixedScope?: "user" | "each_user";
  fixedTenant?: { id: string; name: string };
  submitLabel: string;
  busy: boolean;
  intent?: string;
  children?: React.ReactNode;
}) {
  const key = JSON.stringify(values);
  return (
    <Form method="post" className="card" noValidate key={key}>
      {intent && <input type="hidden" name="intent" value={intent} />}
      <FormError message={errors.form} />
      {mode === "create" && (
        <div className="form-grid">
          {fixedScope ? (
            <input type="hidden" name="scope" value={fixedScope} />
          ) : (
            <Field
              name="scope"
              label="Scope"
              error={errors.scope}
              hint="Tenant: one tenant; user: one end user of a tenant; each end user: a default cap per user (of the tenant, or of every tenant without one)."
            >
              {(p) => (
                <select {...p} defaultValue={values.scope ?? "tenant"}>
                  <Options
                    values={["platform", "tenant", "user", "each_user"]}
                    labels={{ platform: "Platform (everything)", tenant: "Tenant", user: "End user", each_user: "Each end user (default cap)" }}
                  />
                </select>
              )}
            </Field>
          )}
          {fixedTenant ? (
            <input type="hidden" name="tenantId" value={fixedTenant.id} />
          ) : (
            <Field name="tenantId" label="Tenant" error={errors.tenantId} hint="Not used for platform quotas.">
              {(p) => (
                <select {...p} defaultValue={values.tenantId ?? ""}>
                  <TenantOptions tenants={tenants ?? []} empty="—" withSlug />
                </select>
              )}
            </Field>
          )}
          {fixedScope !== "each_user" && (
            <Field name="scopeId" label="End-user id" error={errors.scopeId} hint="Your product's user id (user quotas only).">
              {(p) => <input {...p} type="text" defaultValue={values.scopeId ?? ""} autoComplete="off" />}
            </Field>
          )}
          <Field name="resource" label="Resource" error={errors.resource}>
            {(p) => (
              <select {...p} defaultValue={values.resourceType ?? "all"}>
                <Options values={RESOURCES} labels={RESOURCE_LABELS} />
              </select>
            )}
          </Field>
          <Field name="period" label="Period (UTC)" error={errors.period}>
            {(p) => (
              <select {...p} defaultValue={values.period ?? "month"}>
                <Options values={PERIODS} labels={PERIOD_LABELS} />
              </select>
            )}
          </Field>
        </div>
      )}
      <div className="form-grid">
        <Field name="limitUsd" label="Limit (USD per period)" error={errors.limitUsd}>
          {(p) => <input {...p} type="text" inputMode="decimal" defaultValue={values.limitUsd ?? ""} required />}
        </Field>
        <Field name="warningThresholds" label="Warning thresholds (%)" error={errors.warningThresholds} hint="Ascending, 1–100, e.g. 80, 90. Blank: none.">
          {(p) => <input {...p} type="text" defaultValue={(values.warningThresholds ?? (mode === "create" ? [80, 90] : [])).join(", ")} />}
        </Field>
        <Field name="enforcement" label="Enforcement" error={errors.enforcement}>
          {(p) => (
            <select {...p} defaultValue={values.enforcement ?? "hard"}>
              <Options values={["hard", "soft"]} labels={{ hard: "Hard: deny over the limit", soft: "Soft: only warn" }} />
            </select>
          )}
        </Field>
        <div className="field">
          <label>
            <input type="checkbox" name="enabled" defaultChecked={values.enabled ?? true} /> Enabled
          </label>
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
        {children}
      </div>
    </Form>
  );
}
