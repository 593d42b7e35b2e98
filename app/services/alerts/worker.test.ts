// The outbox worker against real receivers: retries with backoff, dead letter, leases (a
// worker dying mid-flight loses nothing), restarts and two workers at once (exactly once).
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, onTestFinished, vi } from "vitest";
import { captureLogs } from "../logger.server.ts";
import { createPool } from "~/db/client.server.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createChannel, events } from "./test/fixtures.ts";
import { startHttpReceiver } from "./test/receivers.ts";
import { enqueueAlerts, requeueDeadAlert, type AlertTrigger } from "./outbox.server.ts";
import { claimDueAlerts, deliverDueAlerts, LEASE_MS, retryDelayMs } from "./worker.server.ts";

let t: TestDatabase;
let receivers: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.drop());
beforeEach(async () => {
  await t.pool.query(`DELETE FROM alert_channels`);
});
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
  vi.restoreAllMocks();
});

const q = () => (text: string, params?: unknown[]) => t.pool.query(text, params);
const trigger = (dedupeKey: string): AlertTrigger => ({
  kind: "quota_exceeded", tenantId: null, dedupeKey, severity: "critical", summary: `Platform: LLM monthly quota exceeded (${dedupeKey})`,
  facts: [{ label: "Tenant", value: "Platform" }], link: "/quotas", resource: "llm",
});
const at = (iso: string) => new Date(iso);
const hours = (d: Date, h: number) => new Date(d.getTime() + h * 3_600_000);

async function receiver(respond?: (n: number) => [number, string]) {
  const r = await startHttpReceiver({ signingSecret: "whsec-worker-test", respond });
  receivers.push(r);
  return r;
}
async function webhookChannel(url: string) {
  return createChannel(t.pool, { type: "webhook", secret: { url: `${url}/hook`, signingSecret: "whsec-worker-test" } });
}

it("backoff doubles from 30 s, is capped at 1 h, and jitters by ±20%", () => {
  expect([1, 2, 3, 4].map((a) => retryDelayMs(a, () => 0.5))).toEqual([30_000, 60_000, 120_000, 240_000]);
  expect(retryDelayMs(20, () => 0.5)).toBe(3_600_000);
  expect(retryDelayMs(1, () => 0)).toBe(24_000);
  expect(retryDelayMs(1, () => 1)).toBe(36_000);
});

it("a receiver failing twice then succeeding → delivered on the third attempt, not before the backoff", async () => {
  const r = await receiver((n) => (n <= 2 ? [500, "temporarily broken"] : [200, "ok"]));
  await webhookChannel(r.url);
  const t0 = at("2030-01-01T00:00:00Z");
  await enqueueAlerts(q(), trigger("flaky"), t0);
  const logs = captureLogs();
  onTestFinished(logs.restore);

  expect(await deliverDueAlerts({ pool: t.pool, now: t0, maxAttempts: 5 })).toEqual({ claimed: 1, delivered: 0, retried: 1, dead: 0 });
  let [e] = await events(t.pool);
  expect({ status: e.status, attempts: e.attempts, lastError: e.lastError }).toEqual({ status: "pending", attempts: 1, lastError: "500 temporarily broken" });
  // Scheduled 30 s ± 20% later: not due 20 s after, due 40 s after.
  expect(e.nextAttemptAt.getTime() - t0.getTime()).toBeGreaterThanOrEqual(24_000);
  expect(e.nextAttemptAt.getTime() - t0.getTime()).toBeLessThanOrEqual(36_000);
  expect((await deliverDueAlerts({ pool: t.pool, now: new Date(t0.getTime() + 20_000) })).claimed).toBe(0);

  expect(await deliverDueAlerts({ pool: t.pool, now: hours(t0, 1), maxAttempts: 5 })).toMatchObject({ retried: 1 });
  expect(await deliverDueAlerts({ pool: t.pool, now: hours(t0, 2), maxAttempts: 5 })).toMatchObject({ delivered: 1 });
  [e] = await events(t.pool);
  expect({ status: e.status, attempts: e.attempts, lastError: e.lastError }).toEqual({ status: "delivered", attempts: 3, lastError: null });
  expect(r.requests.length).toBe(3);
  expect(r.requests.every((x) => x.signatureValid)).toBe(true);
  expect(logs.lines().filter((l) => l.level === "warn" && l.component === "alerts")).toHaveLength(2);
});

it("always failing → dead after N attempts with the last error, then never sent again; re-send from the dead letter works", async () => {
  let failing = true;
  const r = await receiver(() => (failing ? [503, "unavailable"] : [200, "ok"]));
  await webhookChannel(r.url);
  const t0 = at("2030-02-01T00:00:00Z");
  await enqueueAlerts(q(), trigger("doomed"), t0);
  const logs = captureLogs();
  onTestFinished(logs.restore);
  for (let i = 0; i < 3; i++) await deliverDueAlerts({ pool: t.pool, now: hours(t0, 2 * i), maxAttempts: 3 });
  let [e] = await events(t.pool);
  expect({ status: e.status, attempts: e.attempts, lastError: e.lastError }).toEqual({ status: "dead", attempts: 3, lastError: "503 unavailable" });
  const errors = logs.lines().filter((l) => l.level === "error" && l.component === "alerts");
  expect(errors).toHaveLength(1);
  expect(errors[0].msg).toMatch(/^event \d+ \(quota_exceeded\) to webhook channel "webhook channel" dead after 3 attempt\(s\): 503 unavailable$/);

  expect((await deliverDueAlerts({ pool: t.pool, now: hours(t0, 100), maxAttempts: 3 })).claimed).toBe(0);
  expect(r.requests.length).toBe(3);

  failing = false;
  expect(await requeueDeadAlert(q(), e.id, hours(t0, 101))).toBe(true);
  expect(await requeueDeadAlert(q(), e.id, hours(t0, 101))).toBe(false);
  expect(await deliverDueAlerts({ pool: t.pool, now: hours(t0, 101), maxAttempts: 3 })).toMatchObject({ delivered: 1 });
  [e] = await events(t.pool);
  expect({ status: e.status, attempts: e.attempts }).toEqual({ status: "delivered", attempts: 1 });
});

it("a worker dying after its claim loses nothing (the lease runs out), and a restarted worker never resends a delivered event", async () => {
  const r = await receiver();
  await webhookChannel(r.url);
  const t0 = at("2030-03-01T00:00:00Z");
  await enqueueAlerts(q(), trigger("crash"), t0);

  // Worker A claims and "dies" before sending or marking.
  expect((await claimDueAlerts(t.pool, t0, 10)).length).toBe(1);
  // While its lease runs, nobody else takes the event.
  expect((await deliverDueAlerts({ pool: t.pool, now: new Date(t0.getTime() + LEASE_MS - 1000) })).claimed).toBe(0);
  expect(r.requests.length).toBe(0);
  // After the lease, a new worker instance (its own pool) delivers it.
  const restarted = createPool(t.url, 2);
  try {
    expect(await deliverDueAlerts({ pool: restarted, now: new Date(t0.getTime() + LEASE_MS + 1000) })).toMatchObject({ delivered: 1 });
    // Another restart, much later: nothing to send.
    expect((await deliverDueAlerts({ pool: restarted, now: hours(t0, 1000) })).claimed).toBe(0);
  } finally {
    await restarted.end();
  }
  expect(r.requests.length).toBe(1);
  const [e] = await events(t.pool);
  expect({ status: e.status, attempts: e.attempts }).toEqual({ status: "delivered", attempts: 2 });
});

it("two workers draining at once deliver each of 40 events exactly once", async () => {
  const r = await receiver();
  await webhookChannel(r.url);
  const t0 = at("2030-04-01T00:00:00Z");
  for (let i = 0; i < 40; i++) await enqueueAlerts(q(), trigger(`burst-${i}`), t0);
  const pools = [createPool(t.url, 3), createPool(t.url, 3)];
  try {
    const drain = async (pool: (typeof pools)[number]) => {
      let delivered = 0;
      for (;;) {
        const s = await deliverDueAlerts({ pool, now: hours(t0, 1), limit: 3 });
        delivered += s.delivered;
        if (!s.claimed) return delivered;
      }
    };
    const [a, b] = await Promise.all(pools.map(drain));
    expect(a + b).toBe(40);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
  const keys = r.requests.map((x) => x.json.dedupeKey).sort();
  expect(keys).toEqual(Array.from({ length: 40 }, (_, i) => `burst-${i}`).sort());
  expect((await events(t.pool)).every((e) => e.status === "delivered" && e.attempts === 1)).toBe(true);
});

it("secrets: stored sealed, and neither the log nor lastError ever shows them (an echoing receiver is redacted)", async () => {
  const routingKey = "PDROUTINGKEY-SECRET-42";
  const slack = await receiver(() => [400, "bad request"]);
  // A debugging PagerDuty stand-in that echoes its input, routing key included, in the error.
  const echoing = await receiver(() => [400, `invalid event: {"routing_key":"${routingKey}"}`]);
  await createChannel(t.pool, { type: "slack", secret: { webhookUrl: `${slack.url}/services/T0/B0/SLACKSECRETPATH` } });
  await createChannel(t.pool, { type: "pagerduty", config: { eventsUrl: `${echoing.url}/pd` }, secret: { routingKey } });
  const { rows } = await t.pool.query(`SELECT secret_enc, config::text AS config FROM alert_channels`);
  for (const row of rows) {
    for (const s of [routingKey, "SLACKSECRETPATH"]) expect(row.secret_enc + row.config).not.toContain(s);
  }

  const logs = captureLogs();
  onTestFinished(logs.restore);
  const t0 = at("2030-05-01T00:00:00Z");
  await enqueueAlerts(q(), trigger("secret"), t0);
  for (let i = 0; i < 3; i++) await deliverDueAlerts({ pool: t.pool, now: hours(t0, 2 * i), maxAttempts: 3 });
  const all = await events(t.pool);
  expect(all.map((e) => e.status)).toEqual(["dead", "dead"]);
  expect(all.map((e) => e.lastError).sort()).toEqual(["400 bad request", '400 invalid event: {"routing_key":"[redacted]"}']);
  expect(echoing.requests[0].json.routing_key).toBe(routingKey);
  const logged = logs.raw().split("\n").filter(Boolean);
  expect(logged.length).toBe(6); // 2 channels × (2 retries + 1 dead)
  for (const line of logged) {
    expect(line).not.toContain(routingKey);
    expect(line).not.toContain("SLACKSECRETPATH");
  }
});
