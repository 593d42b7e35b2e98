// The one place configuration is read: process.env is parsed once with zod at start-up.
// A bad value stops the start with a message naming the variable.
import { z } from "zod";

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v.trim()), { message: "must be a whole number" })
    .transform((v) => Number(v))
    .refine((v) => v >= min && v <= max, { message: `must be between ${min} and ${max}` });

const number = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+(\.\d+)?$/.test(v.trim()), { message: "must be a number" })
    .transform((v) => Number(v))
    .refine((v) => v >= min && v <= max, { message: `must be between ${min} and ${max}` });

const httpUrl = z.string().refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "must be an http(s):// URL" });

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), { message: "must be a postgresql:// URL" });

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: int(3000, 1, 65535),
  // Server processes on PORT (node:cluster); 0 = one per CPU core. Background work runs in one.
  WEB_CONCURRENCY: int(0, 0, 64),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  EMBEDDED_PG_PORT: int(54320, 1, 65535),
  SEED_DEMO: bool(true),
  ENFORCE_COST_QUOTAS: bool(true),
  ENFORCE_E2B_QUOTAS: bool(true),
  QUOTA_FAIL_MODE: z.enum(["closed", "open"], { message: "must be closed or open" }).default("closed"),
  QUOTA_SPOOL_DIR: z.string().min(1).optional(),
  RESERVATION_TTL_SECONDS: int(900, 1, 86400),
  SWEEP_INTERVAL_SECONDS: int(30, 1, 3600),
  QUOTA_DB_TIMEOUT_MS: int(5000, 50, 120000),

  // Analysis (SPEC §7): how often the server runs it (0 = never; `npm run analyze` still works)
  // and how far from the baseline a day must be to count as an anomaly (robust z-score).
  ANALYSIS_INTERVAL_HOURS: number(6, 0, 168),
  ANOMALY_SENSITIVITY: number(2, 0.5, 10),

  // Links in alert messages point here (default http://HOST:PORT).
  PUBLIC_URL: httpUrl.optional(),
  // Encrypts alert channel secrets at rest (any string of 16+ characters; a key is derived from it).
  SECRETS_KEY: z.string().min(16, { message: "must be at least 16 characters" }).optional(),

  // Alerts (SPEC §8): channels configured from the environment, in addition to those in the panel.
  COST_ALERT_CHANNELS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(["slack", "email", "pagerduty", "webhook"], { message: "must list slack, email, pagerduty or webhook" }))),
  COST_ALERT_SLACK_WEBHOOK_URL: httpUrl.optional(),
  COST_ALERT_EMAIL_SMTP_HOST: z.string().min(1).optional(),
  COST_ALERT_EMAIL_SMTP_PORT: int(587, 1, 65535),
  COST_ALERT_EMAIL_SMTP_SECURE: bool(false),
  COST_ALERT_EMAIL_SMTP_USER: z.string().min(1).optional(),
  COST_ALERT_EMAIL_SMTP_PASSWORD: z.string().min(1).optional(),
  COST_ALERT_EMAIL_FROM: z.string().min(3).default("tollgate@localhost"),
  COST_ALERT_EMAIL_TO: z.string().min(3).optional(),
  COST_ALERT_PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
  COST_ALERT_PAGERDUTY_EVENTS_URL: httpUrl.default("https://events.pagerduty.com/v2/enqueue"),
  COST_ALERT_WEBHOOK_URL: httpUrl.optional(),
  COST_ALERT_WEBHOOK_SECRET: z.string().min(1).optional(),
  // Delivery: attempts before an event is dead-lettered, and how often the worker polls.
  ALERT_MAX_ATTEMPTS: int(6, 1, 50),
  ALERT_WORKER_INTERVAL_SECONDS: int(5, 1, 3600),
  // Internal receivers platform and env channels may reach (tenant channels never): comma list
  // of host, host:port or host:* (any port). Everything else must be a public address.
  ALERT_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+|[0-9a-f:]+)(:(\d{1,5}|\*))?$/, { message: "must list host, host:port or host:* entries" }))),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(public readonly problems: { variable: string; message: string }[]) {
    super(
      "Invalid configuration:\n" +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n") +
        "\nSee .env.example for every variable and its default.",
    );
    this.name = "ConfigError";
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, so `PORT= npm start` falls back to the default.
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => ({ variable: String(i.path[0] ?? "?"), message: i.message })),
    );
  }
  return result.data;
}

let cached: Config | undefined;
export function getConfig(): Config {
  return (cached ??= parseConfig(process.env));
}
