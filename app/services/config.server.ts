// The one place configuration is read: process.env is parsed once with zod at start-up.
// A bad value stops the start with a message naming the variable.
import ipaddr from "ipaddr.js";
import { parse as parsePgUrl } from "pg-connection-string";
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
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), { message: "must be a postgresql:// URL" })
  .superRefine((v, ctx) => {
    const problem = databaseTlsProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** The TLS modes of libpq's `sslmode` that the pools honour (app/db/pg-adapter.ts). */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * A DATABASE_URL whose TLS settings would be silently weakened or fail at the first query is
 * refused at start instead: an unknown sslmode, verify-ca without the CA to verify against, an
 * sslrootcert/sslcert/sslkey file that cannot be read.
 */
function databaseTlsProblem(url: string): string | null {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return "must be a valid URL";
  }
  const mode = params.get("sslmode");
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) return `sslmode must be one of ${SSL_MODES.join(", ")}`;
  if (mode === "verify-ca" && !params.get("sslrootcert")) return "sslmode=verify-ca needs sslrootcert (the CA certificate file)";
  try {
    if (params.get("sslrootcert") !== "system") parsePgUrl(url, { useLibpqCompat: true });
  } catch (e) {
    return `TLS settings cannot be used: ${(e as Error).message}`;
  }
  return null;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost": only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  return ipaddr.isValid(h) && ipaddr.process(h).range() === "loopback";
}

/**
 * TRUST_PROXY: whose X-Forwarded-For to believe for the client address (login throttling) and
 * X-Forwarded-Proto/Host (same-origin checks). `false`: nobody, the peer address is the client.
 * A number N: the N nearest proxies (the client is the Nth address from the right).
 * `loopback`: proxies on this machine (127.0.0.0/8, ::1). Passed to express's "trust proxy".
 */
const trustProxy = z
  .string()
  .default("false")
  .refine((v) => /^(false|loopback|\d{1,2})$/.test(v.trim()), { message: "must be false, loopback or a number of proxy hops" })
  .transform((v): false | number | "loopback" => {
    const t = v.trim();
    if (t === "false" || t === "0") return false;
    return t === "loopback" ? "loopback" : Number(t);
  });

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: int(3000, 1, 65535),
  // Server processes on PORT (node:cluster); 0 = one per CPU core. Background work runs in one.
  WEB_CONCURRENCY: int(0, 0, 64),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: postgresUrl.optional(),
  // A streaming replica of DATABASE_URL for reads that may be stale: dashboards, the records
  // explorer, CSV exports (app/db/client.server.ts readPool(), docs/adr/0013-read-replica.md).
  // Unset: those reads go to DATABASE_URL too.
  DATABASE_READ_URL: postgresUrl.optional(),
  // Set when DATABASE_URL is PgBouncer (or another pooler) in transaction mode (ADR 0012): a
  // direct, session connection to the same database. Behind the pooler statements go unnamed
  // and without startup settings; what needs one server session for its lifetime uses this URL:
  // LISTEN (the key/tenant cache), the analysis job's advisory lock, and migrations.
  DATABASE_DIRECT_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  EMBEDDED_PG_PORT: int(54320, 1, 65535),
  // Set by scripts/lib/boot.ts next to DATABASE_URL when that URL is the embedded server it
  // started (not an operator's setting): the app's own copy of this module, in the build,
  // parses the environment after that, and must still see a local, embedded deployment.
  TOLLGATE_EMBEDDED_DATABASE: z.literal("1").optional(),
  // Demo data (known passwords, a published API key): default on only for the embedded
  // database; with DATABASE_URL it needs an explicit SEED_DEMO=true (see resolveDefaults).
  SEED_DEMO: z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .transform((v) => v === "true" || v === "1" || v === "yes")
    .optional(),
  TRUST_PROXY: trustProxy,
  ENFORCE_COST_QUOTAS: bool(true),
  ENFORCE_E2B_QUOTAS: bool(true),
  QUOTA_FAIL_MODE: z.enum(["closed", "open"], { message: "must be closed or open" }).default("closed"),
  QUOTA_SPOOL_DIR: z.string().min(1).optional(),
  RESERVATION_TTL_SECONDS: int(900, 1, 86400),
  SWEEP_INTERVAL_SECONDS: int(30, 1, 3600),
  QUOTA_DB_TIMEOUT_MS: int(5000, 50, 120000),
  // How long the API may answer from its in-process copy of a key or tenant without asking the
  // database (ADR 0010). Changes are pushed to every process at once (LISTEN/NOTIFY); this only
  // bounds staleness if a notification were lost. 0 = ask the database on every request.
  API_AUTH_CACHE_SECONDS: int(5, 0, 300),

  // Analysis (SPEC §7): how often the server runs it (0 = never; `npm run analyze` still works)
  // and how far from the baseline a day must be to count as an anomaly (robust z-score).
  ANALYSIS_INTERVAL_HOURS: number(6, 0, 168),
  ANOMALY_SENSITIVITY: number(2, 0.5, 10),
  // Per-user default rows (ADR 0016) of how many periods before the current one the analysis run
  // keeps; older ones are deleted (0 = only the current period's; the cost records stay).
  USER_USAGE_KEEP_PERIODS: int(1, 0, 1000),

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

  // Logs (app/services/logger.server.ts): pino JSON lines, or pretty ones ("auto": pretty in a terminal).
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { message: "must be fatal, error, warn, info, debug, trace or silent" }).default("info"),
  LOG_FORMAT: z.enum(["auto", "json", "pretty"], { message: "must be auto, json or pretty" }).default("auto"),
  // Telemetry (scripts/lib/otel.ts). Prometheus text on http://METRICS_HOST:METRICS_PORT/metrics,
  // a listener of its own (0 = none): the whole server's figures, every server process included.
  METRICS_PORT: int(0, 0, 65535),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  // The standard OpenTelemetry variables, read by the SDK itself; checked here so a typo stops
  // the start instead of silently exporting nothing. An endpoint turns OTLP/HTTP export on.
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json"], { message: "must be http/protobuf or http/json (OTLP over HTTP)" }).optional(),
  OTEL_METRIC_EXPORT_INTERVAL: int(60_000, 100, 86_400_000),
  OTEL_SDK_DISABLED: bool(false),
});

/**
 * LOG_LEVEL and LOG_FORMAT alone, without caching the whole configuration: the logger is made at
 * module load (services log from their first import), before tests or the start have set the
 * rest of the environment. An invalid value falls back; the full parse reports it and stops.
 */
export function logSettings(env: Record<string, string | undefined> = process.env): { LOG_LEVEL: string; LOG_FORMAT: string } {
  const r = configSchema.pick({ LOG_LEVEL: true, LOG_FORMAT: true }).safeParse({ LOG_LEVEL: env.LOG_LEVEL || undefined, LOG_FORMAT: env.LOG_FORMAT || undefined });
  return r.success ? r.data : { LOG_LEVEL: "info", LOG_FORMAT: "auto" };
}

/** What telemetry a server process sets up (scripts/lib/otel.ts); all false = none at all. */
export function telemetryPlan(c: Config): { traces: boolean; otlpMetrics: boolean; prometheus: boolean } {
  if (c.OTEL_SDK_DISABLED) return { traces: false, otlpMetrics: false, prometheus: false };
  return {
    traces: Boolean(c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? c.OTEL_EXPORTER_OTLP_ENDPOINT),
    otlpMetrics: Boolean(c.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ?? c.OTEL_EXPORTER_OTLP_ENDPOINT),
    prometheus: c.METRICS_PORT > 0,
  };
}

export type Config = Omit<z.infer<typeof configSchema>, "SEED_DEMO"> & { SEED_DEMO: boolean };

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
  return resolveDefaults(result.data);
}

/**
 * Defaults that depend on other variables (docs/security.md, "deployment defaults"):
 * - SEED_DEMO: true on the embedded database, false with DATABASE_URL unless set explicitly.
 * - SECRETS_KEY is required in production once the data or the server leaves this machine
 *   (DATABASE_URL set, or HOST not loopback): a generated key file on one instance's disk would
 *   differ between instances and be lost with the machine. `npm start` on the embedded database
 *   at 127.0.0.1 keeps working without it (a local demo).
 */
function resolveDefaults(c: z.infer<typeof configSchema>): Config {
  if (c.DATABASE_DIRECT_URL && !c.DATABASE_URL) {
    throw new ConfigError([{ variable: "DATABASE_DIRECT_URL", message: "needs DATABASE_URL (the transaction pooler it bypasses)" }]);
  }
  const external = Boolean(c.DATABASE_URL) && c.TOLLGATE_EMBEDDED_DATABASE !== "1";
  if (c.DATABASE_READ_URL && !c.DATABASE_URL) {
    // The embedded database has no replica: the read URL would name some other database.
    throw new ConfigError([{ variable: "DATABASE_READ_URL", message: "needs DATABASE_URL: it names a streaming replica of that database" }]);
  }
  if (c.NODE_ENV === "production" && !c.SECRETS_KEY && (external || !isLoopbackHost(c.HOST))) {
    throw new ConfigError([
      {
        variable: "SECRETS_KEY",
        message: `is required in production when ${external ? "DATABASE_URL is set" : `HOST (${c.HOST}) is not a loopback address`}: set it to a long random string, the same on every instance (e.g. openssl rand -base64 32)`,
      },
    ]);
  }
  return { ...c, SEED_DEMO: c.SEED_DEMO ?? !external };
}

let cached: Config | undefined;
export function getConfig(): Config {
  return (cached ??= parseConfig(process.env));
}

/**
 * The database URL, read each time rather than cached with the rest: it changes after start-up
 * (scripts/lib/boot.ts sets it to the embedded instance it started; a test points it at its own
 * database and back, see createAppTestDatabase), and the app's pools are made from it lazily.
 */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (npm start sets it for the embedded database)");
  return url;
}

/**
 * The read replica's URL (DATABASE_READ_URL), or null: read live, like databaseUrl(), because
 * tests point it at a replica and back. Its value was validated with the rest at start.
 */
export function databaseReadUrl(): string | null {
  return process.env.DATABASE_READ_URL || null;
}

/** Whether DATABASE_URL is a transaction-mode pooler, i.e. DATABASE_DIRECT_URL is set (ADR 0012). */
export function behindPooler(): boolean {
  return Boolean(process.env.DATABASE_DIRECT_URL);
}

/**
 * The URL for work that must stay on one server session (LISTEN, session advisory locks,
 * migrations): DATABASE_DIRECT_URL behind a pooler, else DATABASE_URL. Through PgBouncer in
 * transaction mode, LISTEN would be forgotten with its server connection after the statement,
 * and a session lock taken on one server connection would be "released" on another (and leak).
 */
export function sessionDatabaseUrl(): string {
  return process.env.DATABASE_DIRECT_URL || databaseUrl();
}
