// The alert contract (SPEC §8) shared by the panel's forms, the env-configured channels and the
// delivery worker. A channel is stored as three parts: `config` (non-secret JSON, shown in the
// panel), `secretEnc` (the secret part as JSON, sealed with app/services/alerts/secrets.server.ts)
// and the row's own columns (type, name, tenant, enabled). Rule params narrow what a rule matches.
import { z } from "zod";
import { safeText } from "./text.ts";

export const channelType = z.enum(["slack", "email", "pagerduty", "webhook"]);
export type ChannelType = z.infer<typeof channelType>;
export const alertKind = z.enum(["quota_threshold", "quota_exceeded", "anomaly", "forecast_breach"]);
export type AlertKind = z.infer<typeof alertKind>;
export const alertSeverity = z.enum(["info", "warning", "critical"]);
export type AlertSeverity = z.infer<typeof alertSeverity>;
export const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };
export const alertResource = z.enum(["llm", "sandbox", "all"]);

export const DEFAULT_PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

const httpUrl = safeText()
  .trim()
  .max(2000)
  .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL" });
const email = safeText().trim().regex(/^[^\s@<>]+@[^\s@<>]+$/, "must be an email address");
/** Recipients as a list or as one string separated by commas, semicolons or whitespace (a form field). */
const emailList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(/[\s,;]+/).filter(Boolean) : v),
  z.array(email).min(1, "at least one recipient").max(50),
);
/** Form checkboxes send "on" when checked and nothing when not, so absent means false; JSON may send booleans. */
const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true" || v === "1", z.boolean());
/** `env` marks a channel materialized from COST_ALERT_* variables: read-only in the panel. */
const source = z.enum(["env", "panel"]).optional();

// Non-secret settings (alert_channels.config).
export const slackConfig = z.object({ source });
export const emailConfig = z.object({
  source,
  smtpHost: safeText().trim().min(1, "required").max(255),
  smtpPort: z.coerce.number().int().min(1).max(65535),
  secure: checkbox.default(false),
  username: safeText().trim().max(255).optional().transform((v) => v || undefined),
  from: safeText().trim().min(3, "required").max(320),
  to: emailList,
});
export const pagerdutyConfig = z.object({ source, eventsUrl: httpUrl.default(DEFAULT_PAGERDUTY_EVENTS_URL) });
// The webhook URL is part of the secret (below): such URLs often embed a bearer token.
export const webhookConfig = z.object({ source });

// Secret parts (sealed in alert_channels.secret_enc, never shown again after saving; URLs are
// shown masked to their host, e.g. "https://hooks.example.com/…").
export const slackSecret = z.object({ webhookUrl: httpUrl });
export const emailSecret = z.object({ password: safeText().max(1000).optional().transform((v) => v || undefined) });
export const pagerdutySecret = z.object({ routingKey: safeText().trim().min(1, "required").max(200) });
export const webhookSecret = z.object({ url: httpUrl, signingSecret: safeText().min(8, "at least 8 characters").max(500) });

export const channelConfigSchemas = { slack: slackConfig, email: emailConfig, pagerduty: pagerdutyConfig, webhook: webhookConfig } as const;
export const channelSecretSchemas = { slack: slackSecret, email: emailSecret, pagerduty: pagerdutySecret, webhook: webhookSecret } as const;

export type SlackConfig = z.infer<typeof slackConfig>;
export type EmailConfig = z.infer<typeof emailConfig>;
export type PagerdutyConfig = z.infer<typeof pagerdutyConfig>;
export type WebhookConfig = z.infer<typeof webhookConfig>;
export type ChannelConfig = { slack: SlackConfig; email: EmailConfig; pagerduty: PagerdutyConfig; webhook: WebhookConfig };
export type ChannelSecret = {
  slack: z.infer<typeof slackSecret>;
  email: z.infer<typeof emailSecret>;
  pagerduty: z.infer<typeof pagerdutySecret>;
  webhook: z.infer<typeof webhookSecret>;
};

const common = {
  name: safeText().trim().min(1, "required").max(100),
  enabled: checkbox,
};

/** What a form (or API call) submits to create a channel: flat fields, discriminated on `type`. */
export const channelInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("slack"), ...common, ...slackSecret.shape }),
  z.object({ type: z.literal("email"), ...common, ...emailConfig.omit({ source: true }).shape, ...emailSecret.shape }),
  z.object({ type: z.literal("pagerduty"), ...common, ...pagerdutyConfig.omit({ source: true }).shape, ...pagerdutySecret.shape }),
  z.object({ type: z.literal("webhook"), ...common, ...webhookConfig.omit({ source: true }).shape, ...webhookSecret.shape }),
]);
export type ChannelInput = z.infer<typeof channelInput>;

/** Splits validated input into the stored parts (config JSON, secret JSON to seal). */
export function splitChannelInput(input: ChannelInput): { type: ChannelType; name: string; enabled: boolean; config: Record<string, unknown>; secret: Record<string, unknown> } {
  const { type, name, enabled, ...rest } = input;
  const secretKeys = Object.keys(channelSecretSchemas[type].shape);
  const config: Record<string, unknown> = { source: "panel" };
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    (secretKeys.includes(k) ? secret : config)[k] = v;
  }
  return { type, name, enabled, config, secret };
}

// Rule params: every field optional; an absent field matches everything.
const resourceFilter = alertResource.optional().describe("Only quotas/findings of this resource");
export const quotaThresholdParams = z.object({
  thresholds: z.array(z.coerce.number().int().min(1).max(100)).max(10).optional().describe("Only these warning percentages, e.g. [90]"),
  resource: resourceFilter,
});
export const quotaExceededParams = z.object({ resource: resourceFilter });
export const anomalyParams = z.object({
  minSeverity: alertSeverity.optional().describe("Ignore findings below this severity"),
  resource: resourceFilter,
});
export const forecastBreachParams = z.object({ resource: resourceFilter });
export const ruleParamsSchemas = {
  quota_threshold: quotaThresholdParams,
  quota_exceeded: quotaExceededParams,
  anomaly: anomalyParams,
  forecast_breach: forecastBreachParams,
} as const;
export type RuleParams = z.infer<typeof quotaThresholdParams> & z.infer<typeof anomalyParams>;

export const ruleInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("quota_threshold"), channelId: z.uuid(), enabled: checkbox, params: quotaThresholdParams.default({}) }),
  z.object({ kind: z.literal("quota_exceeded"), channelId: z.uuid(), enabled: checkbox, params: quotaExceededParams.default({}) }),
  z.object({ kind: z.literal("anomaly"), channelId: z.uuid(), enabled: checkbox, params: anomalyParams.default({}) }),
  z.object({ kind: z.literal("forecast_breach"), channelId: z.uuid(), enabled: checkbox, params: forecastBreachParams.default({}) }),
]);
export type RuleInput = z.infer<typeof ruleInput>;

/** The outbox payload (alert_events.payload) and the webhook body minus `occurredAt`. */
export const alertPayload = z.object({
  kind: alertKind,
  severity: alertSeverity,
  summary: z.string(),
  facts: z.array(z.object({ label: z.string(), value: z.string() })),
  link: z.string().nullable(),
  tenantId: z.string().nullable(),
  dedupeKey: z.string(),
  occurredAt: z.string(),
  resource: alertResource.optional(),
  thresholdPercent: z.number().optional(),
  /** When a PagerDuty incident opened by this alert resolves by itself (quota alerts: the period end). */
  resolveAt: z.string().optional(),
  /** `resolve` events close the PagerDuty incident of `dedupeKey`; other channel types never get them. */
  action: z.enum(["trigger", "resolve"]).optional(),
});
export type AlertPayload = z.infer<typeof alertPayload>;
