// Ops configures a webhook channel pointing at a real local receiver, sends a test and sees the
// receiver's answer; adds a quota_threshold rule, drives a fresh tenant past 80% of its LLM
// quota through /api/v1, and sees the event delivered in the delivery log — and the receiver
// got correctly signed requests both times. (The e2e server's worker polls every second.)
// The receiver is on 127.0.0.1: as the tenant's own channel it is refused (tenant channels reach
// only public addresses); as a platform-wide channel the operator allow-list admits it, and a
// platform channel carries every tenant's alerts.
import { expect, loginAs, test } from "../fixtures.ts";
import { api, unique } from "../quotas/api.ts";
import { signatureValid, startReceiver } from "./receiver.ts";

test("ops: webhook channel, send test, rule, tenant past 80% → delivered and signed", async ({ page, db }) => {
  test.setTimeout(60_000);
  const receiver = await startReceiver();
  try {
    const slug = `e2e-al-${unique()}`;
    const tenantName = `E2E ${slug}`;
    expect((await api("POST", "/tenants", { slug, name: tenantName })).status).toBe(201);
    const channelName = `Ops hook ${slug}`;
    const secret = `whsec-${unique()}-${unique()}`;

    await loginAs(page, "ops");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
    await expect(page).toHaveURL("/alerts");
    await expect(page).toHaveTitle("Alert channels · Tollgate");
    await page.getByRole("link", { name: "New channel" }).click();
    await expect(page).toHaveTitle("New alert channel · Tollgate");
    await page.getByLabel("Type").selectOption("webhook");
    await page.getByLabel("Name").fill(channelName);
    await page.getByLabel("Tenant", { exact: true }).selectOption({ label: tenantName });
    // A bad URL is reported next to its field and nothing is saved.
    await page.getByLabel("URL", { exact: true }).fill("ftp://nope");
    await page.getByLabel("Signing secret").fill(secret);
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.locator('[data-field-error="url"]')).toHaveText("must be an http(s):// URL");
    expect((await db.query(`SELECT count(*)::int AS n FROM alert_channels WHERE name = $1`, [channelName])).rows[0].n).toBe(0);
    await page.getByLabel("URL", { exact: true }).fill(receiver.url("/hook"));
    await page.getByLabel("Signing secret").fill(secret); // secrets are never sent back to the form
    await page.getByRole("button", { name: "Create channel" }).click();
    // A loopback receiver as the tenant's channel: refused, nothing saved, nothing sent.
    await expect(page.locator('[data-field-error="url"]')).toHaveText("this address is not allowed: alerts go only to public internet addresses");
    expect((await db.query(`SELECT count(*)::int AS n FROM alert_channels WHERE name = $1`, [channelName])).rows[0].n).toBe(0);
    expect(receiver.received).toHaveLength(0);
    await page.getByLabel("Tenant", { exact: true }).selectOption({ label: "Platform-wide" });
    await page.getByLabel("URL", { exact: true }).fill(receiver.url("/hook")); // the URL is a secret too: retyped
    await page.getByLabel("Signing secret").fill(secret);
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page).toHaveURL(/\/alerts\/channels\/[0-9a-f-]{36}\?created=1$/);
    const channelId = new URL(page.url()).pathname.split("/").pop()!;
    const stored = (await db.query(`SELECT config, secret_enc, tenant_id FROM alert_channels WHERE id = $1`, [channelId])).rows[0];
    expect(stored.config).toEqual({ source: "panel" }); // the URL is sealed with the signing secret
    expect(stored.tenant_id).toBeNull();
    expect(stored.secret_enc).toMatch(/^v1:/);
    expect(stored.secret_enc).not.toContain(secret);
    expect(stored.secret_enc).not.toContain("/hook");
    // Shown as its host only, write-only like the signing secret.
    await expect(page.getByLabel("URL", { exact: true })).toHaveValue("");
    await expect(page.getByLabel("URL", { exact: true })).toHaveAttribute("placeholder", `${new URL(receiver.url("/")).origin}/… (stored)`);
    expect(await page.content()).not.toContain(receiver.url("/hook"));
    await expect(page.getByLabel("Signing secret")).toHaveValue(""); // write-only
    await expect(page.getByLabel("Signing secret")).toHaveAttribute("placeholder", /stored/);

    await page.getByRole("button", { name: "Send test" }).click();
    const answer = page.getByTestId("test-answer");
    await expect(answer).toContainText("Test delivered.");
    await expect(answer).toContainText("Outcome: delivered.");
    await expect(answer).toContainText("200 ok from the e2e receiver"); // staff see the receiver's answer
    expect(receiver.received).toHaveLength(1);
    const test1 = receiver.received[0];
    expect(test1.path).toBe("/hook");
    expect(signatureValid(test1, secret)).toBe(true);
    expect(signatureValid(test1, "another-secret")).toBe(false);
    expect(JSON.parse(test1.rawBody)).toMatchObject({ kind: "test", severity: "info" });

    await page.getByRole("link", { name: "Add a rule for this channel" }).click();
    await expect(page).toHaveTitle("New alert rule · Tollgate");
    await expect(page.getByLabel("Channel")).toHaveValue(channelId);
    await page.getByLabel("Alert on").selectOption("quota_threshold");
    await page.getByLabel("Resource").selectOption("llm");
    await page.getByRole("button", { name: "Create rule" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Rule created." })).toBeVisible();
    await expect(page.getByRole("row", { name: new RegExp(channelName) })).toContainText("Quota warning threshold reached");

    // $85 of the tenant's default $100 monthly LLM quota: crosses 80% (and not 90%).
    const usage = await api("POST", "/usage", { tenantId: slug, resource: "llm", idempotencyKey: `al-${slug}`, actualCostUsd: 85 });
    expect(usage.status).toBe(201);

    await page.goto(`/alerts/deliveries?channelId=${channelId}`);
    await expect(page).toHaveTitle("Alert delivery log · Tollgate");
    // A platform channel gets every tenant's alerts: this tenant's row is the one to find.
    const ours = new RegExp(`${tenantName}: LLM monthly quota at 85%`);
    await expect(async () => {
      await page.reload();
      const row = page.getByRole("row", { name: ours });
      await expect(row).toHaveCount(1);
      await expect(row).toContainText("delivered");
    }).toPass({ timeout: 20_000 });
    const row = page.getByRole("row", { name: ours });
    await expect(row).toContainText(tenantName);
    await expect(row).toContainText("Quota warning threshold reached");

    const alerts = receiver.received.filter((r) => JSON.parse(r.rawBody).kind === "quota_threshold" && JSON.parse(r.rawBody).summary.startsWith(`${tenantName}:`));
    expect(alerts).toHaveLength(1);
    expect(signatureValid(alerts[0], secret)).toBe(true);
    expect(JSON.parse(alerts[0].rawBody)).toMatchObject({
      severity: "warning",
      summary: `${tenantName}: LLM monthly quota at 85% ($85.00 of $100.00)`,
      link: expect.stringMatching(new RegExp(`/t/${slug}$`)),
    });
    const audit = await db.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [channelId]);
    expect(audit.rows.map((r) => r.action)).toEqual(["alert_channel.create"]);
  } finally {
    await receiver.close();
  }
});
