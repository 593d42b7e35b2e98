// Re-send from the dead letter: ops filters the delivery log to dead events, clicks Re-send, and
// the worker delivers the event to the (now reachable) receiver; the change is audited.
import { expect, loginAs, test, SAME_ORIGIN } from "../fixtures.ts";
import { unique } from "../quotas/api.ts";
import { signatureValid, startReceiver } from "./receiver.ts";

test("ops re-sends a dead event and sees it delivered", async ({ page, db }) => {
  test.setTimeout(60_000);
  const receiver = await startReceiver();
  try {
    await loginAs(page, "ops");
    const name = `Resend hook ${unique()}`;
    const secret = `resend-secret-${unique()}`;
    // The channel through the same form action the page posts to.
    const created = await page.request.post("/alerts/channels/new", {
      headers: SAME_ORIGIN,
      form: { intent: "save", type: "webhook", name, url: receiver.url("/resend"), signingSecret: secret, enabled: "on" },
      maxRedirects: 0,
    });
    expect(created.status()).toBe(302);
    const channelId = created.headers()["location"].match(/channels\/([0-9a-f-]{36})/)![1];
    const summary = `Dead-lettered warning ${unique()}`;
    const payload = { kind: "quota_threshold", severity: "warning", summary, facts: [{ label: "Tenant", value: "e2e" }], link: null, tenantId: null, dedupeKey: `e2e:${summary}`, occurredAt: new Date().toISOString() };
    const { rows } = await db.query(
      `INSERT INTO alert_events (dedupe_key, channel_id, kind, payload, status, attempts, last_error)
       VALUES ($1, $2, 'quota_threshold', $3::jsonb, 'dead', 6, 'connect ECONNREFUSED 127.0.0.1:9') RETURNING id::text`,
      [payload.dedupeKey, channelId, JSON.stringify(payload)],
    );
    const eventId = rows[0].id;

    await page.goto(`/alerts/deliveries?status=dead&channelId=${channelId}`);
    const row = page.getByRole("row", { name: new RegExp(summary) });
    await expect(row).toContainText("dead");
    await expect(row).toContainText("6 attempts");
    await expect(row).toContainText("connect ECONNREFUSED 127.0.0.1:9");
    await row.getByRole("button", { name: `Re-send event ${eventId} to ${name}` }).click();
    await expect(page.getByRole("status").filter({ hasText: "Event queued again" })).toBeVisible();

    await page.goto(`/alerts/deliveries?channelId=${channelId}`);
    await expect(async () => {
      await page.reload();
      await expect(page.getByRole("row", { name: new RegExp(summary) })).toContainText("delivered");
    }).toPass({ timeout: 20_000 });
    expect(receiver.received).toHaveLength(1);
    expect(signatureValid(receiver.received[0], secret)).toBe(true);
    expect(JSON.parse(receiver.received[0].rawBody).summary).toBe(summary);
    const audit = await db.query(`SELECT action, actor_label FROM audit_log WHERE entity_type = 'alert_event' AND entity_id = $1`, [eventId]);
    expect(audit.rows).toEqual([{ action: "alert_event.resend", actor_label: "user:ops@tollgate.dev" }]);
  } finally {
    await receiver.close();
  }
});
