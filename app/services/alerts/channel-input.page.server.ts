// A channel form (HTML strings) → the flat input app/schemas/alerts.ts `channelInput` validates.
// Secret fields are write-only: the form never shows them, and on edit a blank one means "keep
// the stored value" (the caller merges the stored secret in before validation).
import { channelConfigSchemas, channelSecretSchemas, channelType, type ChannelType } from "~/schemas/alerts.ts";
import { checkbox } from "~/schemas/forms.ts";

export const CHANNEL_TYPES = channelType.options;

export const secretFieldsOf = (type: ChannelType): string[] => Object.keys(channelSecretSchemas[type].shape);
export const configFieldsOf = (type: ChannelType): string[] => Object.keys(channelConfigSchemas[type].shape).filter((k) => k !== "source");

export interface ChannelFormValues {
  type: string;
  /** The flat fields for channelInput; blank text fields and blank secrets are absent. */
  fields: Record<string, unknown>;
}

/** Reads a channel form. An unknown type keeps only the common fields, for zod to reject. */
export function channelFormValues(form: FormData): ChannelFormValues {
  const type = String(form.get("type") ?? "");
  const known = channelType.safeParse(type);
  const text = (name: string) => {
    const v = form.get(name);
    return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  };
  // An unticked box sends nothing: `enabled` is read as a boolean here, absent = false.
  const fields: Record<string, unknown> = { type, name: text("name") ?? "", enabled: checkbox(form, "enabled") };
  if (known.success) {
    for (const f of configFieldsOf(known.data)) fields[f] = f === "secure" ? checkbox(form, f) : text(f);
    for (const f of secretFieldsOf(known.data)) {
      // Secrets are taken as typed (a signing secret may end in a space); blank means "not given".
      const v = form.get(f);
      if (typeof v === "string" && v.trim() !== "") fields[f] = v;
    }
  }
  return { type, fields };
}

/** The submitted values minus secrets, to refill a form after an error (secrets are retyped). */
export function withoutSecrets(values: ChannelFormValues): Record<string, unknown> {
  const known = channelType.safeParse(values.type);
  const secret = new Set(known.success ? secretFieldsOf(known.data) : []);
  return Object.fromEntries(Object.entries(values.fields).filter(([k]) => !secret.has(k)));
}
