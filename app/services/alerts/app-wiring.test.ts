// The wiring in a real app process: COST_ALERT_* channels materialized at start, the core's
// hooks writing the outbox through /api/v1, and the background worker delivering to a local
// receiver with a valid signature. (Needs `remix build`, like the other app-instance tests.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { apiClient, apiKey } from "~/test/api-fixtures.ts";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { startHttpReceiver } from "./test/receivers.ts";

let t: TestDatabase;
let app: AppInstance;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;

beforeAll(async () => {
  t = await createTestDatabase();
  receiver = await startHttpReceiver({ signingSecret: "wiring-signing-secret" });
  app = await startAppInstance({
    databaseUrl: t.url,
    env: {
      SECRETS_KEY: "wiring-test-secrets-key-0001",
      PUBLIC_URL: "https://panel.example.com",
      COST_ALERT_CHANNELS: "webhook",
      COST_ALERT_WEBHOOK_URL: `${receiver.url}/tollgate`,
      COST_ALERT_WEBHOOK_SECRET: "wiring-signing-secret",
      ALERT_WORKER_INTERVAL_SECONDS: "1",
      // The receiver is on loopback: the operator allow-list admits it for this (env) channel.
      ALERT_ALLOWED_HOSTS: "127.0.0.1:*",
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
  await t?.drop();
});

it("driving a tenant past 80% through /api/v1 delivers one signed webhook alert", async () => {
  const tenantId = await createTenant(t.pool, "wired", "Tenant wired");
  await t.pool.query(`UPDATE quotas SET warning_thresholds = '{80}' WHERE id = $1`, [await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10" })]);
  const api = apiClient(app.url, await apiKey(t.prisma, "wired", tenantId));
  for (let i = 0; i < 9; i++) {
    const r = await api.post("/api/v1/reservations", { tenantId, resource: "llm", idempotencyKey: `w-${i}`, estimatedCostUsd: "1.00" });
    expect(r.status).toBe(201);
  }
  const deadline = Date.now() + 20_000;
  while (!receiver.requests.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1500)); // a second delivery would show up by now
  expect(receiver.requests.length, app.output()).toBe(1);
  const [hook] = receiver.requests;
  expect(hook.path).toBe("/tollgate");
  expect(hook.signatureValid).toBe(true);
  expect(hook.json).toMatchObject({
    kind: "quota_threshold",
    severity: "warning",
    summary: "Tenant wired: LLM monthly quota at 80% ($8.00 of $10.00)",
    link: "https://panel.example.com/t/wired",
    tenantId,
  });
  const { rows } = await t.pool.query(`SELECT status, attempts FROM alert_events`);
  expect(rows).toEqual([{ status: "delivered", attempts: 1 }]);
});
