// Create or edit an alert rule: what to alert on, which channel, for which tenant (staff, with a
// platform-wide channel), and the kind's conditions (empty = match everything).
import { Form } from "@remix-run/react";
import { useState, type ReactNode } from "react";
import { Field, FormError, Options } from "~/components/forms/field.tsx";
import { CHANNEL_TYPE_LABEL } from "./channel-form.tsx";
import { RULE_KIND_LABEL } from "./rule-labels.ts";
import { EnabledAndSubmit } from "./enabled-and-submit.tsx";

export interface RuleFormProps {
  values: Record<string, unknown>;
  channels: { id: string; name: string; type: string; tenantName: string | null }[];
  /** Staff only: rules on platform-wide channels may be limited to one tenant. */
  tenants?: { id: string; name: string }[];
  errors?: Record<string, string>;
  busy: boolean;
  submitLabel: string;
  children?: ReactNode;
}

const str = (v: unknown) => (v === undefined || v === null ? "" : Array.isArray(v) ? v.join(", ") : String(v));

export function RuleForm({ values, channels, tenants, errors = {}, busy, submitLabel, children }: RuleFormProps) {
  const [kind, setKind] = useState(str(values.kind) || "quota_threshold");
  const params = (values.params ?? {}) as Record<string, unknown>;
  return (
    <Form method="post" className="card" aria-label="Rule">
      <input type="hidden" name="intent" value="save" />
      <FormError message={errors.form} />
      <div className="form-grid">
        <Field name="kind" label="Alert on" error={errors.kind}>
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
              <Options values={Object.keys(RULE_KIND_LABEL)} labels={RULE_KIND_LABEL} />
            </select>
          )}
        </Field>
        <Field name="channelId" label="Channel" error={errors.channelId}>
          {(p) => (
            <select {...p} defaultValue={str(values.channelId)}>
              <option value="">Choose a channel</option>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({CHANNEL_TYPE_LABEL[c.type] ?? c.type}
                  {tenants ? `, ${c.tenantName ?? "platform-wide"}` : ""})
                </option>
              ))}
            </select>
          )}
        </Field>
        {tenants && (
          <Field name="tenantId" label="Tenant" error={errors.tenantId} hint="A tenant's own channel always gets only that tenant's alerts.">
            {(p) => (
              <select {...p} defaultValue={str(values.tenantId)}>
                <option value="">Every tenant</option>
                {tenants.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field name="resource" label="Resource" error={errors.resource}>
          {(p) => (
            <select {...p} defaultValue={str(params.resource)}>
              <option value="">Any</option>
              <Options values={["llm", "sandbox", "all"]} labels={{ llm: "LLM", sandbox: "Sandbox", all: "All (combined quotas)" }} />
            </select>
          )}
        </Field>
        {kind === "quota_threshold" && (
          <Field name="thresholds" label="Only these warning thresholds (%)" error={errors.thresholds} hint="e.g. 90. Blank: every threshold of the quota.">
            {(p) => <input {...p} type="text" inputMode="numeric" defaultValue={str(params.thresholds)} />}
          </Field>
        )}
        {kind === "anomaly" && (
          <Field name="minSeverity" label="Minimum severity" error={errors.minSeverity}>
            {(p) => (
              <select {...p} defaultValue={str(params.minSeverity)}>
                <option value="">Any</option>
                <Options values={["info", "warning", "critical"]} />
              </select>
            )}
          </Field>
        )}
      </div>
      <EnabledAndSubmit enabled={values.enabled} busy={busy} submitLabel={submitLabel}>
        {children}
      </EnabledAndSubmit>
    </Form>
  );
}
