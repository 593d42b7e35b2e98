// Deployment defaults decided by the one env parser (docs/security.md, "deployment defaults").
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { behindPooler, ConfigError, isLoopbackHost, parseConfig, sessionDatabaseUrl, telemetryPlan } from "./config.server.ts";

const EXTERNAL = "postgresql://app:secret@db.example.com:5432/tollgate";

function problems(env: Record<string, string>) {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("SEED_DEMO", () => {
  it("defaults to true on the embedded database and to false with DATABASE_URL", () => {
    expect(parseConfig({}).SEED_DEMO).toBe(true);
    expect(parseConfig({ NODE_ENV: "development", DATABASE_URL: EXTERNAL }).SEED_DEMO).toBe(false);
  });
  it("an explicit value wins either way", () => {
    expect(parseConfig({ NODE_ENV: "development", DATABASE_URL: EXTERNAL, SEED_DEMO: "true" }).SEED_DEMO).toBe(true);
    expect(parseConfig({ SEED_DEMO: "false" }).SEED_DEMO).toBe(false);
    expect(problems({ SEED_DEMO: "maybe" })).toEqual([{ variable: "SEED_DEMO", message: "must be true or false" }]);
  });
});

describe("SECRETS_KEY in production", () => {
  it("is required with DATABASE_URL, naming the variable", () => {
    expect(problems({ DATABASE_URL: EXTERNAL })).toEqual([
      {
        variable: "SECRETS_KEY",
        message:
          "is required in production when DATABASE_URL is set: set it to a long random string, the same on every instance (e.g. openssl rand -base64 32)",
      },
    ]);
  });
  it("is required on a non-loopback HOST", () => {
    expect(problems({ HOST: "0.0.0.0" })[0]).toMatchObject({
      variable: "SECRETS_KEY",
      message: expect.stringContaining("when HOST (0.0.0.0) is not a loopback address"),
    });
  });
  it("the embedded database's URL, set by npm start before the app parses its own configuration, is still a local demo", () => {
    // Before the fix, npm start on the embedded database without SECRETS_KEY crashed here.
    const embedded = { DATABASE_URL: "postgresql://tollgate@127.0.0.1:54320/tollgate", TOLLGATE_EMBEDDED_DATABASE: "1" };
    expect(problems(embedded)).toEqual([]);
    expect(parseConfig(embedded).SEED_DEMO).toBe(true);
    expect(problems({ ...embedded, HOST: "0.0.0.0" })[0]).toMatchObject({ variable: "SECRETS_KEY" });
  });
  it("is not required for a local demo (embedded database, loopback) nor outside production", () => {
    expect(parseConfig({}).SECRETS_KEY).toBeUndefined();
    expect(parseConfig({ HOST: "localhost" }).HOST).toBe("localhost");
    expect(parseConfig({ NODE_ENV: "development", DATABASE_URL: EXTERNAL, HOST: "0.0.0.0" }).NODE_ENV).toBe("development");
    expect(parseConfig({ DATABASE_URL: EXTERNAL, SECRETS_KEY: "a-long-enough-secret" }).SECRETS_KEY).toBe("a-long-enough-secret");
  });
});

describe("TRUST_PROXY", () => {
  it("false by default; a hop count or loopback", () => {
    expect(parseConfig({}).TRUST_PROXY).toBe(false);
    expect(parseConfig({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(false);
    expect(parseConfig({ TRUST_PROXY: "0" }).TRUST_PROXY).toBe(false);
    expect(parseConfig({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(parseConfig({ TRUST_PROXY: "loopback" }).TRUST_PROXY).toBe("loopback");
  });
  it("anything else is refused, naming the variable", () => {
    for (const v of ["true", "10.0.0.0/8", "-1", "yes"]) {
      expect(problems({ TRUST_PROXY: v })).toEqual([{ variable: "TRUST_PROXY", message: "must be false, loopback or a number of proxy hops" }]);
    }
  });
});

describe("DATABASE_URL TLS settings", () => {
  const dev = (url: string) => problems({ NODE_ENV: "development", DATABASE_URL: url });
  it("accepts libpq's sslmodes", () => {
    for (const mode of ["disable", "allow", "prefer", "require", "verify-full"]) expect(dev(`${EXTERNAL}?sslmode=${mode}`)).toEqual([]);
  });
  it("refuses an unknown sslmode, verify-ca without a CA and an unreadable CA file", () => {
    expect(dev(`${EXTERNAL}?sslmode=required`)).toEqual([
      { variable: "DATABASE_URL", message: "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full" },
    ]);
    expect(dev(`${EXTERNAL}?sslmode=verify-ca`)).toEqual([
      { variable: "DATABASE_URL", message: "sslmode=verify-ca needs sslrootcert (the CA certificate file)" },
    ]);
    expect(dev(`${EXTERNAL}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`)[0]).toMatchObject({
      variable: "DATABASE_URL",
      message: expect.stringContaining("TLS settings cannot be used: ENOENT"),
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-ca-"));
    writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    expect(dev(`${EXTERNAL}?sslmode=verify-ca&sslrootcert=${path.join(dir, "ca.pem")}`)).toEqual([]);
  });
});

describe("DATABASE_READ_URL", () => {
  const REPLICA = "postgresql://app:secret@replica.example.com:5432/tollgate";
  const dev = (env: Record<string, string>) => problems({ NODE_ENV: "development", DATABASE_URL: EXTERNAL, ...env });
  it("is optional, and taken as given", () => {
    expect(parseConfig({ NODE_ENV: "development", DATABASE_URL: EXTERNAL }).DATABASE_READ_URL).toBeUndefined();
    expect(parseConfig({ NODE_ENV: "development", DATABASE_URL: EXTERNAL, DATABASE_READ_URL: `${REPLICA}?sslmode=require` }).DATABASE_READ_URL).toBe(`${REPLICA}?sslmode=require`);
  });
  it("is checked as DATABASE_URL is (scheme, TLS), naming the variable", () => {
    expect(dev({ DATABASE_READ_URL: "mysql://replica/tollgate" })).toEqual([{ variable: "DATABASE_READ_URL", message: "must be a postgresql:// URL" }]);
    expect(dev({ DATABASE_READ_URL: `${REPLICA}?sslmode=verify-ca` })).toEqual([
      { variable: "DATABASE_READ_URL", message: "sslmode=verify-ca needs sslrootcert (the CA certificate file)" },
    ]);
  });
  it("needs DATABASE_URL (the embedded database has no replica)", () => {
    expect(problems({ NODE_ENV: "development", DATABASE_READ_URL: REPLICA })).toEqual([
      { variable: "DATABASE_READ_URL", message: "needs DATABASE_URL: it names a streaming replica of that database" },
    ]);
  });
});

it("isLoopbackHost", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) expect(isLoopbackHost(h)).toBe(true);
  for (const h of ["0.0.0.0", "::", "10.0.0.5", "tollgate.example.com", "192.168.1.2"]) expect(isLoopbackHost(h)).toBe(false);
});

describe("telemetry and logs", () => {
  it("nothing configured: no telemetry at all; an endpoint turns on traces and OTLP metrics, METRICS_PORT the Prometheus reader", () => {
    expect(telemetryPlan(parseConfig({}))).toEqual({ traces: false, otlpMetrics: false, prometheus: false });
    expect(telemetryPlan(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }))).toEqual({ traces: true, otlpMetrics: true, prometheus: false });
    expect(telemetryPlan(parseConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }))).toEqual({ traces: true, otlpMetrics: false, prometheus: false });
    expect(telemetryPlan(parseConfig({ METRICS_PORT: "9464" }))).toEqual({ traces: false, otlpMetrics: false, prometheus: true });
    expect(telemetryPlan(parseConfig({ METRICS_PORT: "9464", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }))).toEqual({ traces: false, otlpMetrics: false, prometheus: false });
  });
  it("a typo stops the start naming the variable", () => {
    expect(problems({ METRICS_PORT: "metrics", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318", LOG_FORMAT: "xml", LOG_LEVEL: "loud" })).toEqual([
      { variable: "LOG_LEVEL", message: "must be fatal, error, warn, info, debug, trace or silent" },
      { variable: "LOG_FORMAT", message: "must be auto, json or pretty" },
      { variable: "METRICS_PORT", message: "must be a whole number" },
      { variable: "OTEL_EXPORTER_OTLP_ENDPOINT", message: "must be an http(s):// URL" },
      { variable: "OTEL_EXPORTER_OTLP_PROTOCOL", message: "must be http/protobuf or http/json (OTLP over HTTP)" },
    ]);
  });
});

describe("DATABASE_DIRECT_URL (behind a transaction pooler, ADR 0012)", () => {
  const POOLER = "postgresql://app:secret@pgbouncer.example.com:6432/tollgate";
  it("is validated like DATABASE_URL and needs it", () => {
    const env = { NODE_ENV: "development", DATABASE_URL: POOLER };
    expect(parseConfig({ ...env, DATABASE_DIRECT_URL: EXTERNAL }).DATABASE_DIRECT_URL).toBe(EXTERNAL);
    expect(problems({ ...env, DATABASE_DIRECT_URL: "mysql://x" })).toEqual([{ variable: "DATABASE_DIRECT_URL", message: "must be a postgresql:// URL" }]);
    expect(problems({ NODE_ENV: "development", DATABASE_DIRECT_URL: EXTERNAL })).toEqual([
      { variable: "DATABASE_DIRECT_URL", message: "needs DATABASE_URL (the transaction pooler it bypasses)" },
    ]);
  });
  it("sessions (LISTEN, session locks, migrations) use it when set, DATABASE_URL otherwise", () => {
    const saved = { url: process.env.DATABASE_URL, direct: process.env.DATABASE_DIRECT_URL };
    try {
      process.env.DATABASE_URL = POOLER;
      delete process.env.DATABASE_DIRECT_URL;
      expect([behindPooler(), sessionDatabaseUrl()]).toEqual([false, POOLER]);
      process.env.DATABASE_DIRECT_URL = EXTERNAL;
      expect([behindPooler(), sessionDatabaseUrl()]).toEqual([true, EXTERNAL]);
    } finally {
      for (const [k, v] of [["DATABASE_URL", saved.url], ["DATABASE_DIRECT_URL", saved.direct]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
