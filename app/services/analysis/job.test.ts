// The analysis job against a real database: findings and forecasts stored once (a re-run
// updates numbers, never duplicates, never re-opens a reviewed finding), the queries the panel
// reads, and the advisory lock (a second instance skips while one runs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuota, createTenant } from "~/core/test/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { runAnalysis } from "./job.server.ts";
import { forecastActuals, listAnomalies, listForecasts, setAnomalyStatus } from "./queries.server.ts";

const NOW = new Date("2026-11-20T12:30:00Z"); // a Friday
const DAY_MS = 86_400_000;
const actor = { id: null, label: "user:ops@example.test" };

let t: TestDatabase;
let tenantId: string;
let llmQuota: string;

/** Daily rollups: llm $100 on weekdays and $40 on weekends, sandbox $10 a day, for 90 days; a $400 Monday (Nov 16). */
async function seedRollups() {
  const days: string[] = [];
  const llm: string[] = [];
  for (let i = 90; i >= 1; i--) {
    const d = new Date(Date.parse("2026-11-20") - i * DAY_MS);
    const iso = d.toISOString().slice(0, 10);
    days.push(iso);
    llm.push(iso === "2026-11-16" ? "400" : [0, 6].includes(d.getUTCDay()) ? "40" : "100");
  }
  days.push("2026-11-20"); // today so far
  llm.push("50");
  await t.pool.query(
    `INSERT INTO spend_rollups (day, tenant_id, resource, cost_usd, records)
     SELECT d::date, $1::uuid, 'llm'::"ResourceType", c::numeric, 1 FROM unnest($2::text[], $3::text[]) AS u(d, c)
     UNION ALL SELECT d::date, $1::uuid, 'sandbox'::"ResourceType", 10, 1 FROM unnest($2::text[]) AS s(d)`,
    [tenantId, days, llm],
  );
}

/** Raw records for the hourly baseline: $2 in the 10:00 hour on each of the last 14 days, $60 today. */
async function seedHours() {
  const at = (daysAgo: number) => new Date(Date.parse("2026-11-20T10:15:00Z") - daysAgo * DAY_MS);
  for (let k = 1; k <= 14; k++) {
    await t.pool.query(`INSERT INTO cost_records (tenant_id, resource, cost_usd, occurred_at) VALUES ($1, 'llm', 2, $2)`, [tenantId, at(k)]);
  }
  await t.pool.query(`INSERT INTO cost_records (tenant_id, resource, cost_usd, occurred_at) VALUES ($1, 'llm', 60, $2)`, [tenantId, at(0)]);
}

const findings = async () =>
  (await t.pool.query(
    `SELECT resource::text, to_char(day, 'YYYY-MM-DD') AS day, hour, actual_usd::text AS actual, expected_usd::text AS expected, severity, status::text
       FROM anomaly_findings ORDER BY day, hour`,
  )).rows;
const counts = async () =>
  (await t.pool.query(`SELECT (SELECT count(*) FROM anomaly_findings)::int AS findings, (SELECT count(*) FROM forecasts)::int AS forecasts`)).rows[0];

beforeAll(async () => {
  t = await createTestDatabase();
  tenantId = await createTenant(t.pool, "spiky");
  llmQuota = await createQuota(t.pool, { scope: "tenant", tenantId, resource: "llm", period: "month", limit: "2000" });
  await createQuota(t.pool, { scope: "tenant", tenantId, resource: "sandbox", period: "month", limit: "10000" });
  const disabled = await createQuota(t.pool, { scope: "tenant", tenantId, resource: "all", period: "week", limit: "5" });
  await t.pool.query(`UPDATE quotas SET enabled = false WHERE id = $1`, [disabled]);
  await seedRollups();
  await seedHours();
  // A platform webhook channel with an anomaly rule and a forecast-breach rule.
  const { rows } = await t.pool.query(`INSERT INTO alert_channels (type, name, config) VALUES ('webhook', 'ops hook', '{"url":"http://127.0.0.1:9/"}') RETURNING id`);
  await t.pool.query(`INSERT INTO alert_rules (channel_id, kind) VALUES ($1, 'anomaly'), ($1, 'forecast_breach')`, [rows[0].id]);
});

const events = async () =>
  (await t.pool.query(`SELECT kind::text, dedupe_key, payload->>'severity' AS severity, payload->>'summary' AS summary, payload->>'link' AS link FROM alert_events ORDER BY id`)).rows;
afterAll(async () => t?.drop());

describe("runAnalysis", () => {
  it("stores the daily anomaly, the hourly spike and one forecast per enabled quota", async () => {
    const summary = await runAnalysis({ now: NOW, pool: t.pool, sensitivity: 2 });
    expect(summary).toMatchObject({ ran: true, anomalies: { daily: 1, hourly: 1, new: 2 }, forecasts: { written: 2, breaches: 1 } });
    // Monday Nov 16 against its weekday-aware baseline: expected $100, flat series → spread $50 (the 50% floor), z = 6.
    // Today 10:00–11:00: $60 against $2 in that hour on each of 14 days; the spread is an eighth
    // of the typical day ($100 / 8 = $12.50): z = 58 / 12.5 = 4.64.
    expect(await findings()).toEqual([
      { resource: "llm", day: "2026-11-16", hour: -1, actual: "400.0000000000", expected: "100.0000000000", severity: "high", status: "open" },
      { resource: "llm", day: "2026-11-20", hour: 10, actual: "60.0000000000", expected: "2.0000000000", severity: "high", status: "open" },
    ]);
    // Alerts: today's spike and the predicted breach; the 4-day-old finding is stored but not alerted.
    const spike = (await t.pool.query(`SELECT id FROM anomaly_findings WHERE hour = 10`)).rows[0].id;
    expect(summary.alertsEnqueued).toBe(2);
    expect(await events()).toEqual([
      { kind: "anomaly", dedupe_key: `anomaly:${spike}`, severity: "critical", link: "/t/spiky",
        summary: "spiky: unusual LLM spend in 2026-11-20 10:00–11:00 UTC ($60.00, expected about $2.00)" },
      { kind: "forecast_breach", dedupe_key: `forecast:${llmQuota}:2026-11-01T00:00:00.000Z`, severity: "warning", link: "/t/spiky",
        summary: expect.stringMatching(/^spiky: LLM monthly quota forecast to reach its limit at 2026-11-2[01] \d\d:\d\d UTC \(\$\d+\.\d\d projected of \$2000\.00\)$/) },
    ]);
  });

  it("the panel's queries read them back", async () => {
    const anomalies = await listAnomalies({ tenantId, pool: t.pool });
    expect(anomalies.map((a) => [a.day, a.hour, a.resource, a.tenantSlug, a.severity, a.status])).toEqual([
      ["2026-11-20", 10, "llm", "spiky", "high", "open"],
      ["2026-11-16", null, "llm", "spiky", "high", "open"],
    ]);
    expect([anomalies[1].score, anomalies[0].score]).toEqual([6, 4.64]);
    expect(await listAnomalies({ from: "2026-11-17", pool: t.pool })).toHaveLength(1);

    const forecasts = await listForecasts({ tenantId, now: NOW, pool: t.pool });
    expect(forecasts.map((f) => [f.resource, f.period, f.limitUsd, f.spentUsd, f.breachAt !== null])).toEqual([
      // Nov 1–19: 14 weekdays (one at $400) + 5 weekend days × $40, and $50 today = $1,950.
      ["llm", "month", "2000.0000000000", "1950.0000000000", true],
      // 20 days × $10.
      ["sandbox", "month", "10000.0000000000", "200.0000000000", false],
    ]);
    const llm = forecasts[0];
    expect(llm.periodStart).toBe("2026-11-01T00:00:00.000Z");
    expect(llm.periodEnd).toBe("2026-12-01T00:00:00.000Z");
    expect(Date.parse(llm.breachAt!)).toBeGreaterThan(NOW.getTime());
    expect(Date.parse(llm.breachAt!)).toBeLessThan(NOW.getTime() + DAY_MS);
    expect(Number(llm.lowUsd) <= Number(llm.forecastUsd) && Number(llm.forecastUsd) <= Number(llm.highUsd)).toBe(true);
    expect(await listForecasts({ breachesOnly: true, now: NOW, pool: t.pool })).toHaveLength(1);
    // The $400 Monday is flagged, so it is left out of the rate (and the chart says so); the
    // sandbox's flat $10 a day leaves nothing out.
    expect(llm.rateBasis).toMatchObject({ rateFrom: "2026-10-23", excluded: [{ day: "2026-11-16", actualUsd: 400, expectedUsd: 100, reason: "anomaly" }], newLevelFrom: null, shortHistory: false });
    expect(forecasts[1].rateBasis).toEqual({ rateFrom: "2026-10-23", dailyRateUsd: 10, excluded: [], newLevelFrom: null, shortHistory: false });
    // Next month's view has no forecast yet.
    expect(await listForecasts({ tenantId, now: new Date("2026-12-02T00:00:00Z"), pool: t.pool })).toEqual([]);

    const actuals = await forecastActuals({ quotaId: llmQuota, now: NOW, pool: t.pool });
    expect(actuals.days).toHaveLength(20);
    expect(actuals.days.at(-1)).toEqual({ day: "2026-11-20", usd: "50.0000000000", cumulativeUsd: "1950.0000000000" });
  });

  it("a re-run duplicates nothing and keeps a reviewed finding's status while updating its numbers", async () => {
    const daily = (await listAnomalies({ tenantId, pool: t.pool })).find((a) => a.hour === null)!;
    const reviewed = await setAnomalyStatus({ id: daily.id, status: "acknowledged", actor, pool: t.pool });
    expect(reviewed).toMatchObject({ status: "acknowledged", reviewedBy: "user:ops@example.test" });
    const audit = await t.pool.query(`SELECT action, entity_id, before, after FROM audit_log WHERE entity_type = 'anomaly_finding'`);
    expect(audit.rows).toEqual([
      { action: "anomaly.acknowledge", entity_id: daily.id, before: { status: "open", reviewedBy: null }, after: { status: "acknowledged", reviewedBy: "user:ops@example.test" } },
    ]);

    // A backfill makes the spike day bigger; the job re-judges it.
    await t.pool.query(`UPDATE spend_rollups SET cost_usd = 500 WHERE day = '2026-11-16' AND resource = 'llm'`);
    const before = await counts();
    const summary = await runAnalysis({ now: NOW, pool: t.pool, sensitivity: 2 });
    expect(summary.anomalies.new).toBe(0);
    expect(await events()).toHaveLength(2); // the breach is enqueued again, and deduplicated
    expect(await counts()).toEqual(before);
    expect(before).toEqual({ findings: 2, forecasts: 2 });
    expect((await findings())[0]).toMatchObject({ day: "2026-11-16", actual: "500.0000000000", status: "acknowledged" });
  });

  it("dismissing a finding resolves the PagerDuty incident its alert opened (in the same transaction)", async () => {
    const daily = (await listAnomalies({ tenantId, pool: t.pool })).find((a) => a.hour === null)!;
    const { rows: [pd] } = await t.pool.query(`INSERT INTO alert_channels (type, name) VALUES ('pagerduty', 'PD') RETURNING id`);
    const { rows: [hook] } = await t.pool.query(`INSERT INTO alert_channels (type, name) VALUES ('webhook', 'Hook') RETURNING id`);
    for (const channel of [pd.id, hook.id]) {
      await t.pool.query(
        `INSERT INTO alert_events (dedupe_key, channel_id, tenant_id, kind, payload, status, delivered_at)
         VALUES ($1, $2, $3, 'anomaly', '{"summary": "spike"}', 'delivered', now())`,
        [`anomaly:${daily.id}`, channel, tenantId],
      );
    }
    await setAnomalyStatus({ id: daily.id, status: "dismissed", actor, pool: t.pool });
    const { rows } = await t.pool.query(
      `SELECT channel_id, status, payload->>'action' AS action FROM alert_events WHERE dedupe_key = $1`,
      [`anomaly:${daily.id}:resolve`],
    );
    // Only PagerDuty has incidents to close; the webhook already said what it had to say.
    expect(rows).toEqual([{ channel_id: pd.id, status: "pending", action: "resolve" }]);
    await t.pool.query(`DELETE FROM alert_channels WHERE id = ANY($1::uuid[])`, [[pd.id, hook.id]]);
  });

  it("unknown or foreign findings are not_found", async () => {
    const daily = (await listAnomalies({ tenantId, pool: t.pool }))[0];
    const other = await createTenant(t.pool, "someone-else");
    await expect(setAnomalyStatus({ id: daily.id, status: "dismissed", actor, tenantId: other, pool: t.pool })).rejects.toMatchObject({ code: "not_found" });
    await expect(setAnomalyStatus({ id: "not-a-uuid", status: "dismissed", actor, pool: t.pool })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("one instance at a time", () => {
  it("skips while another session holds the lock", async () => {
    const other = await t.pool.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext('tollgate:analysis'))`);
      expect(await runAnalysis({ now: NOW, pool: t.pool })).toMatchObject({ ran: false, anomalies: { new: 0 }, forecasts: { written: 0 } });
      await other.query(`SELECT pg_advisory_unlock(hashtext('tollgate:analysis'))`);
    } finally {
      other.release();
    }
    expect((await runAnalysis({ now: NOW, pool: t.pool })).ran).toBe(true);
  });

  it("a scheduled run skips when any instance finished one within skipIfRanWithinMs; on demand it always runs", async () => {
    const HOUR = 3_600_000;
    const lastRun = async () => (await t.pool.query(`SELECT value->>'now' AS now FROM settings WHERE key = 'analysis_last_run'`)).rows;
    await t.pool.query(`DELETE FROM settings WHERE key = 'analysis_last_run'`);
    // No run recorded: it runs, and records itself.
    expect((await runAnalysis({ now: NOW, pool: t.pool, skipIfRanWithinMs: HOUR })).ran).toBe(true);
    expect(await lastRun()).toEqual([{ now: NOW.toISOString() }]);
    // Another instance's tick a moment later: skipped, nothing written.
    await t.pool.query(`DELETE FROM forecasts`);
    expect(await runAnalysis({ now: NOW, pool: t.pool, skipIfRanWithinMs: HOUR })).toMatchObject({ ran: false, skipped: { reason: "recent" }, forecasts: { written: 0 } });
    expect(await counts()).toMatchObject({ forecasts: 0 });
    // On demand (npm run analyze, the API): no window, it runs.
    expect((await runAnalysis({ now: NOW, pool: t.pool })).ran).toBe(true);
    // The last run two hours ago by the database's clock: a one-hour window runs again.
    await t.pool.query(`UPDATE settings SET updated_at = now() - interval '2 hours' WHERE key = 'analysis_last_run'`);
    expect((await runAnalysis({ now: NOW, pool: t.pool, skipIfRanWithinMs: HOUR })).ran).toBe(true);
    expect(await counts()).toMatchObject({ forecasts: 2 });
  });

  it("two concurrent runs: one does the work, the other skips", async () => {
    // Hold the first run inside its write phase (a table lock blocks its upserts) so that the
    // second one certainly starts while the first holds the advisory lock.
    await t.pool.query(`DELETE FROM anomaly_findings`);
    const blocker = await t.pool.connect();
    await blocker.query(`BEGIN; LOCK TABLE anomaly_findings IN EXCLUSIVE MODE`);
    const first = runAnalysis({ now: NOW, pool: t.pool, sensitivity: 2 });
    for (let i = 0; ; i++) {
      const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`);
      if (rows[0].n > 0) break;
      if (i > 200) throw new Error("the first run never took the lock");
      await new Promise((r) => setTimeout(r, 25));
    }
    const second = await runAnalysis({ now: NOW, pool: t.pool, sensitivity: 2 });
    await blocker.query("COMMIT");
    blocker.release();
    const done = await first;
    expect([done.ran, second.ran]).toEqual([true, false]);
    expect(done.anomalies.new).toBe(2);
    expect(await counts()).toEqual({ findings: 2, forecasts: 2 });
  });
});
