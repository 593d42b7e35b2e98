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

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), { message: "must be a postgresql:// URL" });

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: int(3000, 1, 65535),
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
