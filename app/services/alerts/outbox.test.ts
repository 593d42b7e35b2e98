// The outbox: which channels a trigger reaches, dedupe, and the rows the core's quota hooks
// write in the deciding transaction (through the real core, concurrently).
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createTollgate } from "~/core/index.ts";
import { createQuota, createTenant, testClock } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { addRule, createChannel, events } from "./test/fixtures.ts";
import { enqueueAlerts, type AlertTrigger } from "./outbox.server.ts";
import { alertHooks } from "./quota-alerts.server.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.drop());
// Each test states its own channels (events go with them: ON DELETE CASCADE).
beforeEach(async () => {
  await t.pool.query(`DELETE FROM alert_channels`);
});

const q = () => (text: string, params?: unknown[]) => t.pool.query(text, params);
const webhook = { type: "webhook" as const, secret: { url: "http://127.0.0.1:9/hook", signingSecret: "s3cret-signing" } };

function trigger(tenantId: string | null, over: Partial<AlertTrigger> = {}): AlertTrigger {
  return {
    kind: "quota_threshold", tenantId, dedupeKey: `k-${tenantId}`, severity: "warning", summary: "s", facts: [], link: null,
    resource: "llm", thresholdPercent: 80, ...over,
  };
}

it("reaches platform channels and the trigger's tenant's channels with a matching enabled rule; once per dedupe key", async () => {
  const a = await createTenant(t.pool, "match-a");
  const b = await createTenant(t.pool, "match-b");
  const platform = await createChannel(t.pool, { ...webhook, name: "platform" });
  const mine = await createChannel(t.pool, { ...webhook, name: "a", tenantId: a });
  await createChannel(t.pool, { ...webhook, name: "b", tenantId: b });
  await createChannel(t.pool, { ...webhook, name: "off", enabled: false });
  const ruleOff = await createChannel(t.pool, { ...webhook, name: "rule off", kinds: [] });
  await addRule(t.pool, ruleOff, "quota_threshold", {}, null, false);
  await createChannel(t.pool, { ...webhook, name: "only 90", kinds: ["quota_threshold"], params: { thresholds: [90] } });
  await createChannel(t.pool, { ...webhook, name: "sandbox only", kinds: ["quota_threshold"], params: { resource: "sandbox" } });
  const critical = await createChannel(t.pool, { ...webhook, name: "critical anomalies", kinds: ["anomaly"], params: { minSeverity: "critical" } });
  // Two rules of one kind on one channel still make one event.
  await addRule(t.pool, platform, "quota_threshold", { thresholds: [80] });

  expect(await enqueueAlerts(q(), trigger(a, { dedupeKey: "match-1" }))).toBe(2);
  expect(await enqueueAlerts(q(), trigger(a, { dedupeKey: "match-1" }))).toBe(0);
  const rows = (await events(t.pool)).filter((e) => e.dedupeKey === "match-1");
  expect(rows.map((r) => r.channelId).sort()).toEqual([platform, mine].sort());
  expect(rows.every((r) => r.status === "pending" && r.attempts === 0)).toBe(true);

  // A platform quota (no tenant) reaches platform channels only.
  expect(await enqueueAlerts(q(), trigger(null, { dedupeKey: "match-2" }))).toBe(1);
  // Anomaly severity filter: a warning does not reach the critical-only channel, a critical does.
  expect(await enqueueAlerts(q(), trigger(a, { kind: "anomaly", severity: "warning", dedupeKey: "match-3" }))).toBe(2);
  expect(await enqueueAlerts(q(), trigger(a, { kind: "anomaly", severity: "critical", dedupeKey: "match-4" }))).toBe(3);
  expect((await events(t.pool)).filter((e) => e.dedupeKey === "match-4").map((e) => e.channelId)).toContain(critical);
});

it("50 concurrent reservations crossing 80% through the real core → exactly one warning event per channel", async () => {
  const tenantId = await createTenant(t.pool, "hot");
  const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "10", thresholds: [80] });
  const slack = await createChannel(t.pool, { type: "slack", secret: { webhookUrl: "http://127.0.0.1:9/slack" } });
  const hook = await createChannel(t.pool, { ...webhook, tenantId });
  const core = createTollgate({ pool: t.pool, hooks: alertHooks, clock: testClock("2026-11-20T12:00:00Z") });

  const decisions = await Promise.all(
    Array.from({ length: 50 }, (_, i) => core.reserve({ tenantId, resource: "llm", estimatedCostUsd: "0.18", idempotencyKey: `hot-${i}` })),
  );
  // $0.18 × 50 = $9.00: every one fits, the 45th crosses $8.00 (80%), nobody reaches 100%.
  expect(decisions.filter((d) => d.allowed).length).toBe(50);
  const rows = (await events(t.pool)).filter((e) => e.payload.tenantId === tenantId);
  expect(rows.map((r) => r.channelId).sort()).toEqual([slack, hook].sort());
  const dedupeKey = `quota:${quotaId}:2026-11-01T00:00:00.000Z:80`;
  for (const r of rows) {
    expect(r.dedupeKey).toBe(dedupeKey);
    expect(r.kind).toBe("quota_threshold");
    expect(r.payload).toEqual({
      kind: "quota_threshold",
      severity: "warning",
      tenantId,
      dedupeKey,
      summary: "hot: LLM monthly quota at 81% ($8.10 of $10.00)",
      facts: [
        { label: "Tenant", value: "hot (hot)" },
        { label: "Quota", value: "tenant · LLM · monthly" },
        { label: "Spend vs limit", value: "$8.10 of $10.00 (81%)" },
        { label: "Spent / held", value: "$0.00 spent, $8.10 held by open reservations" },
        { label: "Threshold", value: "80% crossed" },
        { label: "Period", value: "2026-11-01 to 2026-11-30 (resets 2026-12-01 00:00 UTC)" },
      ],
      link: "/t/hot",
      resource: "llm",
      thresholdPercent: 80,
      resolveAt: "2026-12-01T00:00:00.000Z",
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  }
});

it("a denial writes one exceeded event, in the same transaction as the decision", async () => {
  const tenantId = await createTenant(t.pool, "capped");
  const quotaId = await createQuota(t.pool, { scope: "tenant", tenantId, limit: "1", thresholds: [] });
  await createChannel(t.pool, { ...webhook, tenantId, kinds: ["quota_exceeded"] });
  const core = createTollgate({ pool: t.pool, hooks: alertHooks, clock: testClock("2026-11-20T12:00:00Z") });
  expect((await core.reserve({ tenantId, resource: "llm", estimatedCostUsd: "0.75", idempotencyKey: "c-1" })).allowed).toBe(true);
  expect((await core.reserve({ tenantId, resource: "llm", estimatedCostUsd: "0.50", idempotencyKey: "c-2" })).allowed).toBe(false);
  expect((await core.reserve({ tenantId, resource: "llm", estimatedCostUsd: "0.50", idempotencyKey: "c-3" })).allowed).toBe(false);
  const rows = (await events(t.pool)).filter((e) => e.payload.tenantId === tenantId);
  expect(rows.length).toBe(1);
  expect(rows[0]).toMatchObject({ kind: "quota_exceeded", dedupeKey: `quota:${quotaId}:2026-11-01T00:00:00.000Z:100` });
  expect(rows[0].payload).toMatchObject({
    severity: "critical",
    summary: "capped: LLM monthly quota exceeded — $0.75 of $1.00 used (75%), further spend is denied until the period resets",
  });
});

it("a per-user default (ADR 0016) alerts once per end user and period, naming the user", async () => {
  const tenantId = await createTenant(t.pool, "per-user");
  await t.pool.query(`DELETE FROM quotas WHERE tenant_id = $1`, [tenantId]);
  const quotaId = await createQuota(t.pool, { scope: "each_user", tenantId, period: "day", limit: "1", thresholds: [] });
  await createChannel(t.pool, { ...webhook, tenantId, kinds: ["quota_exceeded"] });
  const core = createTollgate({ pool: t.pool, hooks: alertHooks, clock: testClock("2026-11-20T12:00:00Z") });
  for (const userId of ["ann", "bob"]) {
    expect((await core.reserve({ tenantId, userId, resource: "llm", estimatedCostUsd: "0.75", idempotencyKey: `${userId}-1` })).allowed).toBe(true);
    expect((await core.reserve({ tenantId, userId, resource: "llm", estimatedCostUsd: "0.50", idempotencyKey: `${userId}-2` })).allowed).toBe(false);
    expect((await core.reserve({ tenantId, userId, resource: "llm", estimatedCostUsd: "0.50", idempotencyKey: `${userId}-3` })).allowed).toBe(false);
  }
  const rows = (await events(t.pool)).filter((e) => e.payload.tenantId === tenantId);
  expect(rows.map((r) => [r.kind, r.dedupeKey, r.payload.summary])).toEqual(
    ["ann", "bob"].map((u) => [
      "quota_exceeded",
      `quota:${quotaId}:2026-11-20T00:00:00.000Z:100:user:${tenantId}:${u}`,
      `per-user: user ${u} LLM daily default user cap exceeded — $0.75 of $1.00 used (75%), further spend is denied until the period resets`,
    ]),
  );
  expect(rows[0].payload.facts).toContainEqual({ label: "End user", value: "ann" });
});
