// No secret ever reaches the logs: a real server process (the build, as deployed) serves API
// calls with keys (in the header and, wrongly, in a query string), sign-ins with the demo
// password, panel pages with session cookies, and delivers alerts to a webhook (signing secret,
// secret URL) that keeps failing and to SMTP (user and password) — and its whole output is
// searched for every one of those values. The log must also hold the request lines and the
// delivery failures, so the search is over a log that saw the secrets go by.
import { hash } from "@node-rs/argon2";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createQuota, createTenant } from "../app/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../app/db/test/test-database.ts";
import { apiKeyPrefix, DEMO_PLATFORM_KEY, DEMO_PLATFORM_KEY_NAME, hashApiKey } from "../app/services/api-keys.server.ts";
import { startHttpReceiver, startSmtpReceiver } from "../app/services/alerts/test/receivers.ts";
import { SESSION_COOKIE } from "../app/services/session.server.ts";
import { apiKey } from "../app/test/api-fixtures.ts";
import { startAppInstance } from "../app/test/app-instance.ts";
import { DEMO_PASSWORD } from "../prisma/seed/catalog.ts";

vi.setConfig({ testTimeout: 180_000 });

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

it("a server's log lines carry request id, route, status, duration and tenant, and none of the API keys, passwords, cookies or channel secrets it handled", async () => {
  // Seeded as the demo data seeds them (prisma/seed): the demo admin and the published demo key.
  await t.pool.query(`INSERT INTO users (email, name, role, password_hash) VALUES ('admin@tollgate.dev', 'Ada', 'admin', $1)`, [await hash(DEMO_PASSWORD)]);
  await t.pool.query(`INSERT INTO api_keys (name, prefix, hash) VALUES ($1, $2, $3)`, [DEMO_PLATFORM_KEY_NAME, apiKeyPrefix(DEMO_PLATFORM_KEY), hashApiKey(DEMO_PLATFORM_KEY)]);
  const tenantId = await createTenant(t.pool, "logged-acme");
  await createQuota(t.pool, { scope: "tenant", tenantId, resource: "llm", period: "day", limit: "2" });
  const tenantKey = await apiKey(t.prisma, "tenant key", tenantId);

  const webhookSecret = "whsec-log-test-9f8e7d6c5b4a";
  const smtpPassword = "smtp-pass-log-test-1a2b3c4d";
  const secretsKey = "e2e-only-secrets-key-not-for-production";
  const webhook = await startHttpReceiver({ signingSecret: webhookSecret, respond: () => [500, "temporarily broken"] });
  const smtp = await startSmtpReceiver({ user: "tollgate-mailer", password: smtpPassword });
  const webhookUrl = `${webhook.url}/hooks/secret-path-token-77aa88bb`;
  const app = await startAppInstance({
    databaseUrl: t.url,
    env: {
      LOG_FORMAT: "json",
      LOG_LEVEL: "debug",
      SECRETS_KEY: secretsKey,
      ALERT_WORKER_INTERVAL_SECONDS: "1",
      ALERT_ALLOWED_HOSTS: "127.0.0.1:*",
      COST_ALERT_CHANNELS: "webhook,email",
      COST_ALERT_WEBHOOK_URL: webhookUrl,
      COST_ALERT_WEBHOOK_SECRET: webhookSecret,
      COST_ALERT_EMAIL_SMTP_HOST: "127.0.0.1",
      COST_ALERT_EMAIL_SMTP_PORT: String(smtp.port),
      COST_ALERT_EMAIL_SMTP_USER: "tollgate-mailer",
      COST_ALERT_EMAIL_SMTP_PASSWORD: smtpPassword,
      COST_ALERT_EMAIL_TO: "ops@tollgate.test",
    },
  });
  let sessionCookie = "";
  try {
    const api = (path: string, key: string, body?: unknown, extra: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, {
        method: body ? "POST" : "GET",
        headers: { Authorization: `Bearer ${key}`, "X-Request-Id": `req-${path.length}`, ...(body ? { "Content-Type": "application/json" } : {}), ...extra },
        body: body ? JSON.stringify(body) : undefined,
      });
    const reserve = (k: string) => api("/api/v1/reservations", tenantKey, { tenantId: "logged-acme", resource: "llm", estimatedCostUsd: 1, idempotencyKey: k });
    expect((await api("/api/v1/tenants", DEMO_PLATFORM_KEY)).status).toBe(200);
    expect([(await reserve("k1")).status, (await reserve("k2")).status, (await reserve("k3")).status]).toEqual([201, 201, 429]);
    expect((await api("/api/v1/tenants", `${DEMO_PLATFORM_KEY}x`)).status).toBe(401);
    // A key where it does not belong: in the query string (which is never logged).
    expect((await fetch(`${app.url}/api/v1/tenants?api_key=${tenantKey}`)).status).toBe(401);

    // The panel: a sign-in with the demo password, pages with the session cookie.
    const login = await fetch(`${app.url}/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url },
      body: new URLSearchParams({ email: "admin@tollgate.dev", password: DEMO_PASSWORD }),
      redirect: "manual",
    });
    expect(login.status).toBe(302);
    sessionCookie = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(login.headers.get("set-cookie") ?? "")![1];
    for (const path of ["/admin", "/alerts", "/t/logged-acme"]) {
      expect((await fetch(`${app.url}${path}`, { headers: { Cookie: `${SESSION_COOKIE}=${sessionCookie}` } })).status, path).toBe(200);
    }
    // A cross-site form post with the cookie (refused and logged by the panel guard).
    const forged = await fetch(`${app.url}/alerts`, {
      method: "POST",
      headers: { Cookie: `${SESSION_COOKIE}=${sessionCookie}`, Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "x", password: DEMO_PASSWORD }),
    });
    expect(forged.status).toBe(403);

    // The denied reserve enqueued quota alerts: the webhook keeps failing (logged), mail goes out.
    await until(() => webhook.requests.length >= 1 && smtp.messages.length >= 1 && app.output().includes("failed, attempt"));
    expect(webhook.requests[0].signatureValid).toBe(true);
    expect(smtp.messages[0].auth).toBe("tollgate-mailer");
  } finally {
    await app.stop();
    await webhook.close();
    await smtp.close();
  }

  const log = app.output();
  const lines = log.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  // The log saw the traffic: one line per request, with what an operator needs.
  const requests = lines.filter((l) => l.msg === "request");
  const reserves = requests.filter((l) => l.route === "/api/v1/reservations");
  expect(reserves.map((l) => [l.method, l.status, l.tenant, l.reqId])).toEqual([
    ["POST", 201, "logged-acme", "req-20"],
    ["POST", 201, "logged-acme", "req-20"],
    ["POST", 429, "logged-acme", "req-20"],
  ]);
  for (const l of reserves) expect(typeof l.durationMs).toBe("number");
  expect(requests.filter((l) => l.route === "/api/v1/tenants").map((l) => [l.status, l.path])).toEqual([
    [200, "/api/v1/tenants"],
    [401, "/api/v1/tenants"],
    [401, "/api/v1/tenants"],
  ]);
  // Probes (startAppInstance polled /readyz until ready) are debug lines, not info.
  const probes = requests.filter((l) => l.route === "/readyz");
  expect(probes.length).toBeGreaterThan(0);
  expect(new Set(probes.map((l) => [l.level, l.status].join(" ")))).toEqual(new Set(["debug 200"]));
  expect(requests.filter((l) => l.route === "panel").map((l) => [l.method, l.path, l.status])).toEqual([
    ["POST", "/login", 302],
    ["GET", "/admin", 200],
    ["GET", "/alerts", 200],
    ["GET", "/t/logged-acme", 200],
    ["POST", "/alerts", 403],
  ]);
  expect(lines.some((l) => l.component === "alerts" && l.level === "warn" && String(l.msg).includes("failed, attempt"))).toBe(true);
  expect(lines.some((l) => l.component === "http" && l.level === "warn")).toBe(true); // the refused cross-site post

  // …and none of the secrets that went by.
  const secrets = {
    demoPlatformKey: DEMO_PLATFORM_KEY,
    tenantKey,
    tenantKeyBody: tenantKey.slice(apiKeyPrefix(tenantKey).length),
    demoPassword: DEMO_PASSWORD,
    sessionCookie,
    webhookSecret,
    webhookUrlPath: "secret-path-token-77aa88bb",
    smtpPassword,
    secretsKey,
  };
  for (const [name, value] of Object.entries(secrets)) {
    expect(value.length, name).toBeGreaterThanOrEqual(12);
    expect(log.split(value).length - 1, `${name} appears in the log`).toBe(0);
  }
});

async function until(what: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
