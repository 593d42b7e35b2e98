// A tenant admin sees and manages only their tenant's alert channels and rules: platform-wide and
// other tenants' channels are not listed, their URLs answer 404, and posts to them change nothing.
import type pg from "pg";
import { expect, expectNotFound, loginAs, test, SAME_ORIGIN } from "../fixtures.ts";
import { unique } from "../quotas/api.ts";

async function insertChannel(db: pg.Pool, tenantSlug: string | null, name: string) {
  const { rows } = await db.query(
    `INSERT INTO alert_channels (tenant_id, type, name, config) VALUES ((SELECT id FROM tenants WHERE slug = $1), 'webhook', $2, $3::jsonb) RETURNING id`,
    [tenantSlug, name, JSON.stringify({ source: "panel", url: "http://127.0.0.1:9/x" })],
  );
  return rows[0].id as string;
}

test("a tenant admin manages only their tenant's channels; other channels answer 404", async ({ page, db }) => {
  test.setTimeout(60_000); // many page round trips (the refused loopback URL adds one), like webhook-delivery.spec
  const suffix = unique();
  const globexChannel = await insertChannel(db, "globex", `Globex hook ${suffix}`);
  const platformChannel = await insertChannel(db, null, `Platform hook ${suffix}`);
  const name = `Acme hook ${suffix}`;

  await loginAs(page, "acme_admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
  await expect(page).toHaveURL("/t/acme/alerts");
  await expect(page).toHaveTitle("Alert channels · Acme Corp · Tollgate");
  await expect(page.getByRole("table")).not.toContainText(suffix);

  await page.getByRole("link", { name: "New channel" }).click();
  await expect(page.getByLabel("Tenant", { exact: true })).toHaveCount(0); // fixed by the URL
  await page.getByLabel("Type").selectOption("webhook");
  await page.getByLabel("Name").fill(name);
  // Tollgate's own network is off limits to tenants: a loopback URL is a form error, nothing saved.
  await page.getByLabel("URL", { exact: true }).fill("http://127.0.0.1:9/acme");
  await page.getByLabel("Signing secret").fill("acme-signing-secret");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.locator('[data-field-error="url"]')).toHaveText("this address is not allowed: alerts go only to public internet addresses");
  expect((await db.query(`SELECT count(*)::int AS n FROM alert_channels WHERE name = $1`, [name])).rows[0].n).toBe(0);
  // A public address passes (saving does not connect; a literal keeps the test off DNS).
  await page.getByLabel("URL", { exact: true }).fill("https://93.184.215.14/acme/T0K3N");
  await page.getByLabel("Signing secret").fill("acme-signing-secret");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page).toHaveURL(/\/t\/acme\/alerts\/channels\/[0-9a-f-]{36}\?created=1$/);
  expect(await page.content()).not.toContain("T0K3N"); // the URL is a secret: shown as its host only
  const ownId = new URL(page.url()).pathname.split("/").pop()!;
  const created = await db.query(`SELECT t.slug, c.secret_enc FROM alert_channels c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = $1`, [ownId]);
  expect(created.rows[0].slug).toBe("acme");

  // Edit with the secret left blank: the name changes and a sealed secret is still stored (the
  // vitest suite checks that it is the old value; e2e cannot open it).
  await page.getByLabel("Name").fill(`${name} renamed`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL("/t/acme/alerts?saved=1");
  const list = page.getByRole("table");
  await expect(list.getByRole("row", { name: new RegExp(`${name} renamed`) })).toHaveCount(1);
  await expect(list.getByRole("row", { name: new RegExp(`${name} renamed`) })).toContainText("https://93.184.215.14/…");
  await expect(list).not.toContainText(`Globex hook ${suffix}`);
  await expect(list).not.toContainText(`Platform hook ${suffix}`);
  const edited = await db.query(`SELECT name, secret_enc FROM alert_channels WHERE id = $1`, [ownId]);
  expect(edited.rows[0].name).toBe(`${name} renamed`);
  expect(edited.rows[0].secret_enc).toMatch(/^v1:/);

  // Rules: only the tenant's own channels can be chosen.
  await page.goto("/t/acme/alerts/rules/new");
  const options = await page.getByLabel("Channel").locator("option").allTextContents();
  expect(options.some((o) => o.includes(`${name} renamed`))).toBe(true);
  expect(options.some((o) => o.includes(suffix) && !o.includes(name))).toBe(false);
  await page.getByLabel("Channel").selectOption(ownId);
  await page.getByLabel("Alert on").selectOption("quota_exceeded");
  await page.getByRole("button", { name: "Create rule" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Rule created." })).toBeVisible();

  // Another tenant's or a platform channel: 404 on the page, and posts change nothing.
  for (const id of [globexChannel, platformChannel]) {
    await expectNotFound(page, `/t/acme/alerts/channels/${id}`);
    const del = await page.request.post(`/t/acme/alerts/channels/${id}`, { headers: SAME_ORIGIN, form: { intent: "delete" }, maxRedirects: 0 });
    expect(del.status()).toBe(404);
    const test = await page.request.post(`/t/acme/alerts/channels/${id}`, { headers: SAME_ORIGIN, form: { intent: "test" }, maxRedirects: 0 });
    expect(test.status()).toBe(404);
  }
  const rule = await page.request.post("/t/acme/alerts/rules/new", { headers: SAME_ORIGIN, form: { kind: "anomaly", channelId: globexChannel, enabled: "on" }, maxRedirects: 0 });
  expect(rule.status()).toBe(400); // the form answers "Choose a channel." and writes nothing
  const left = await db.query(`SELECT count(*)::int AS n FROM alert_channels WHERE id = ANY($1::uuid[])`, [[globexChannel, platformChannel]]);
  expect(left.rows[0].n).toBe(2);
  expect((await db.query(`SELECT count(*)::int AS n FROM alert_rules WHERE channel_id = $1`, [globexChannel])).rows[0].n).toBe(0);
  await expectNotFound(page, "/t/globex/alerts");
  await expectNotFound(page, "/alerts");
  await expectNotFound(page, "/alerts/deliveries");
});
