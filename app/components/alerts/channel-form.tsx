// Create or edit an alert channel. The type decides the fields (Slack webhook URL; SMTP server
// and recipients; PagerDuty routing key; webhook URL and signing secret). Secret fields are
// write-only: never filled in, shown as "stored" when set; on edit, blank keeps the stored value.
import { Form } from "@remix-run/react";
import { useState, type ReactNode } from "react";
import { Field, FormError } from "~/components/forms/field.tsx";
import { EnabledAndSubmit } from "./enabled-and-submit.tsx";

export const CHANNEL_TYPE_LABEL: Record<string, string> = { slack: "Slack", email: "Email (SMTP)", pagerduty: "PagerDuty", webhook: "Webhook" };
const TYPES = ["slack", "email", "pagerduty", "webhook"] as const;
type Type = (typeof TYPES)[number];

export interface ChannelFormProps {
  mode: "create" | "edit";
  values: Record<string, unknown>;
  /** Edit: which secrets are stored. */
  secretsSet?: Record<string, boolean>;
  /** Edit: the stored destination masked to its host, shown in place of a secret URL. */
  maskedDestination?: string;
  /** Staff creating a channel pick its tenant (or platform-wide); otherwise fixed. */
  tenants?: { id: string; name: string }[];
  errors?: Record<string, string>;
  busy: boolean;
  submitLabel: string;
  children?: ReactNode;
}

const str = (v: unknown) => (v === undefined || v === null ? "" : Array.isArray(v) ? v.join(", ") : String(v));

export function ChannelForm({ mode, values, secretsSet = {}, maskedDestination, tenants, errors = {}, busy, submitLabel, children }: ChannelFormProps) {
  const initial = TYPES.includes(values.type as Type) ? (values.type as Type) : "webhook";
  const [type, setType] = useState<Type>(initial);
  const text = (name: string, label: string, opts: { hint?: ReactNode; inputType?: string; placeholder?: string; fallback?: string } = {}) => (
    <Field name={name} label={label} error={errors[name]} hint={opts.hint}>
      {(p) => <input {...p} type={opts.inputType ?? "text"} defaultValue={str(values[name] ?? opts.fallback)} placeholder={opts.placeholder} />}
    </Field>
  );
  const secret = (name: string, label: string) => {
    const stored = mode === "edit" && secretsSet[name];
    return (
      <Field name={name} label={label} error={errors[name]} hint={stored ? "Stored encrypted. Leave blank to keep it; type a new value to replace it." : "Stored encrypted; never shown again."}>
        {(p) => <input {...p} type="password" autoComplete="new-password" placeholder={stored ? "•••••••• (stored)" : ""} />}
      </Field>
    );
  };
  // Webhook and Slack URLs are bearer secrets: write-only like a password, shown as their host.
  const secretUrl = (name: string, label: string, placeholder: string) => {
    const stored = mode === "edit" && secretsSet[name];
    return (
      <Field
        name={name}
        label={label}
        error={errors[name]}
        hint={stored ? `Stored encrypted (${maskedDestination ?? "set"}). Leave blank to keep it; type a new URL to replace it.` : "Stored encrypted; shown afterwards as its host only."}
      >
        {(p) => <input {...p} type="url" autoComplete="off" placeholder={stored ? `${maskedDestination ?? "••••"} (stored)` : placeholder} />}
      </Field>
    );
  };
  return (
    <Form method="post" className="card" aria-label={mode === "create" ? "New channel" : "Channel settings"}>
      <input type="hidden" name="intent" value="save" />
      <FormError message={errors.form} />
      <div className="form-grid">
        {mode === "create" ? (
          <Field name="type" label="Type" error={errors.type}>
            {(p) => (
              <select {...p} value={type} onChange={(e) => setType(e.target.value as Type)}>
                {TYPES.map((t) => (
                  <option key={t} value={t}>
                    {CHANNEL_TYPE_LABEL[t]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <input type="hidden" name="type" value={type} />
        )}
        {text("name", "Name")}
        {mode === "create" && tenants && (
          <Field name="tenantId" label="Tenant" error={errors.tenantId} hint="Platform-wide channels can carry every tenant's alerts.">
            {(p) => (
              <select {...p} defaultValue={str(values.tenantId)}>
                <option value="">Platform-wide</option>
                {tenants.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
      </div>
      <fieldset className="alerts-fieldset">
        <legend>{CHANNEL_TYPE_LABEL[type]} settings</legend>
        <div className="form-grid">
          {type === "slack" && secretUrl("webhookUrl", "Incoming webhook URL", "https://hooks.slack.com/services/…")}
          {type === "webhook" && (
            <>
              {secretUrl("url", "URL", "https://example.com/tollgate-alerts")}
              {secret("signingSecret", "Signing secret")}
            </>
          )}
          {type === "pagerduty" && (
            <>
              {secret("routingKey", "Routing key")}
              {text("eventsUrl", "Events API URL", { inputType: "url", fallback: "https://events.pagerduty.com/v2/enqueue" })}
            </>
          )}
          {type === "email" && (
            <>
              {text("smtpHost", "SMTP host")}
              {text("smtpPort", "SMTP port", { fallback: "587" })}
              {text("username", "SMTP user (optional)")}
              {secret("password", "SMTP password (optional)")}
              {text("from", "From")}
              {text("to", "To", { hint: "One or more addresses, separated by commas." })}
            </>
          )}
        </div>
        {type === "webhook" && (
          <p className="muted">
            Requests carry <code>X-Tollgate-Timestamp</code> and <code>X-Tollgate-Signature: v1=HMAC-SHA256(secret, "timestamp.body")</code>.
          </p>
        )}
        {type === "email" && (
          <div className="field field--check">
            <input type="checkbox" id="f-secure" name="secure" defaultChecked={values.secure === true} />
            <label htmlFor="f-secure">Use TLS from the start (port 465)</label>
          </div>
        )}
      </fieldset>
      <EnabledAndSubmit enabled={values.enabled} busy={busy} submitLabel={submitLabel}>
        {children}
      </EnabledAndSubmit>
    </Form>
  );
}
