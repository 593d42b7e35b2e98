// The delivery log pages by keyset, newest first: 50 events a page, Older/Newer links with the
// cursor in the URL (the filters stay), for staff and for a tenant admin's own log. The events
// are written as delivered, so the outbox worker leaves them alone.
import type pg from "pg";
import { expect, loginAs, test } from "../fixtures.ts";
import { unique } from "../quotas/api.ts";

async function channelWithEvents(db: pg.Pool, tenantSlug: string | null, count: number) {
  const name = `Paged hook ${unique()}`;
  const { rows } = await db.query(
    `INSERT INTO alert_channels (tenant_id, type, name, config) VALUES ((SELECT id FROM tenants WHERE slug = $1), 'webhook', $2, $3::jsonb) RETURNING id`,
    [tenantSlug, name, JSON.stringify({ source: "panel", url: "http://127.0.0.1:9/x" })],
  );
  const channelId = rows[0].id as string;
  // Event n was created n minutes after a fixed start: event `count` is the newest.
  await db.query(
    `INSERT INTO alert_events (dedupe_key, channel_id, tenant_id, kind, payload, status, attempts, delivered_at, created_at)
     SELECT 'paged:' || n, $1, (SELECT id FROM tenants WHERE slug = $2), 'quota_threshold',
            jsonb_build_object('summary', 'Paged event ' || lpad(n::text, 2, '0')), 'delivered', 1,
            timestamptz '2026-11-01T00:00:00Z' + n * interval '1 minute', timestamptz '2026-11-01T00:00:00Z' + n * interval '1 minute'
       FROM generate_series(1, $3::int) AS n`,
    [channelId, tenantSlug, count],
  );
  return { channelId, name };
}

const summaries = async (page: import("@playwright/test").Page) =>
  (await page.getByRole("table", { name: "Alert deliveries, newest first" }).locator("tbody tr").allInnerTexts()).map((t) => /Paged event \d+/.exec(t)?.[0]);

test("ops pages through the delivery log of one channel: Older, Newer and Newest", async ({ page, db }) => {
  const { channelId } = await channelWithEvents(db, null, 53);
  await loginAs(page, "ops");
  await page.goto(`/alerts/deliveries?channelId=${channelId}`);
  await expect(page).toHaveTitle("Alert delivery log · Tollgate");
  const pager = page.getByRole("navigation", { name: "Pages of deliveries" });
  const first = await summaries(page);
  expect(first).toHaveLength(50);
  expect([first[0], first[49]]).toEqual(["Paged event 53", "Paged event 04"]);
  await expect(pager.getByText("← Newer")).toHaveAttribute("aria-disabled", "true");

  // By keyboard: the link is reachable and follows on Enter.
  await pager.getByRole("link", { name: "Older →" }).press("Enter");
  await expect(page).toHaveURL(new RegExp(`channelId=${channelId}&after=`));
  await expect(page.getByRole("table", { name: "Alert deliveries, newest first" }).locator("tbody tr")).toHaveCount(3);
  expect(await summaries(page)).toEqual(["Paged event 03", "Paged event 02", "Paged event 01"]);
  await expect(pager.getByText("Older →")).toHaveAttribute("aria-disabled", "true");

  await pager.getByRole("link", { name: "← Newer" }).click();
  await expect(page).toHaveURL(/before=/);
  await expect(page.getByRole("table", { name: "Alert deliveries, newest first" }).locator("tbody tr")).toHaveCount(50);
  expect((await summaries(page))[0]).toBe("Paged event 53");
  await pager.getByRole("link", { name: "Newest" }).click();
  await expect(page).toHaveURL(`/alerts/deliveries?channelId=${channelId}`);

  // A damaged link says so and shows the newest events instead of an error page.
  await page.goto(`/alerts/deliveries?channelId=${channelId}&after=not-a-cursor`);
  await expect(page.getByRole("alert")).toContainText("The page link is damaged or out of date");
  expect((await summaries(page))[0]).toBe("Paged event 53");
});

test("a tenant admin's delivery log pages through only their tenant's events", async ({ page, db }) => {
  const { channelId } = await channelWithEvents(db, "acme", 51);
  await loginAs(page, "acme_admin");
  await page.goto(`/t/acme/alerts/deliveries?channelId=${channelId}`);
  const pager = page.getByRole("navigation", { name: "Pages of deliveries" });
  expect((await summaries(page)).slice(0, 2)).toEqual(["Paged event 51", "Paged event 50"]);
  await pager.getByRole("link", { name: "Older →" }).click();
  await expect(page).toHaveURL(new RegExp(`^[^?]*/t/acme/alerts/deliveries\\?channelId=${channelId}&after=`));
  expect(await summaries(page)).toEqual(["Paged event 01"]);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test("the paged delivery log fits the screen", async ({ page, db }) => {
    const { channelId } = await channelWithEvents(db, null, 52);
    await loginAs(page, "ops");
    await page.goto(`/alerts/deliveries?channelId=${channelId}`);
    await expect(page.getByRole("navigation", { name: "Pages of deliveries" }).getByRole("link", { name: "Older →" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
