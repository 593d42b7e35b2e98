// "Users at or near their default cap" (ADR 0016): a tenant with a $1 daily default for each end
// user, created through the HTTP API, and end users who spent through it — one at the cap, one at
// 95%, one at 50%. The tenant page and both explorers list exactly the two at or past 80%,
// fullest first, each linking (by keyboard too) to that user's records of the period; the
// default's quota page shows them against its limit; another tenant's admin never sees them;
// a tenant nobody is near shows the empty state; at 1280 px and at phone width.
import type pg from "pg";
import { collectPageErrors, mainOverflow } from "../records/helpers.ts";
import { expect, expectNotFound, loginAs, test } from "../fixtures.ts";
import { api, unique } from "../quotas/api.ts";

async function tenantWithNearUsers(db: pg.Pool) {
  const slug = `nc-${unique()}`;
  const created = await api("POST", "/tenants", { slug, name: `Near cap ${slug}` });
  expect(created.status).toBe(201);
  const quota = await api("POST", "/quotas", { scope: "each_user", tenantId: slug, resource: "llm", period: "day", limitUsd: "1" });
  expect(quota.status).toBe(201);
  const users = { at: `at-${slug}`, near: `near-${slug}`, under: `under-${slug}` };
  for (const [userId, usd] of [[users.at, 1], [users.near, 0.95], [users.under, 0.5]] as const) {
    const r = await api("POST", "/usage", { tenantId: slug, userId, resource: "llm", idempotencyKey: `nc-${userId}`, actualCostUsd: usd });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  const { rows } = await db.query(`SELECT subject, near FROM quota_usage WHERE quota_id = $1 ORDER BY subject`, [quota.body.id]);
  expect(rows).toEqual([
    { subject: users.at, near: true },
    { subject: users.near, near: true },
    { subject: users.under, near: false },
  ]);
  return { slug, quotaId: quota.body.id as string, users };
}

const today = () => new Date().toISOString().slice(0, 10);

for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
  test.describe(`at ${viewport.width} px`, () => {
    test.use({ viewport });

    test("the tenant page and its explorer list the users at or near the default cap, each linking to their records", async ({ page, db }) => {
      const { slug, users } = await tenantWithNearUsers(db);
      await loginAs(page, "admin");
      const errors = collectPageErrors(page);
      await page.goto(`/t/${slug}`);
      const panel = page.getByRole("region", { name: "Users at or near their default cap" });
      await expect(panel).toHaveAttribute("data-near", "2");
      await expect(panel).toHaveAttribute("data-at-cap", "1");
      await expect(panel.getByTestId("near-cap-counts")).toHaveText("2 users at or past 80%, of which 1 at the cap.");
      const used = panel.getByTestId("near-cap-used");
      await expect(used).toHaveCount(2);
      expect(await used.evaluateAll((els) => els.map((e) => `${e.getAttribute("data-user")} ${e.getAttribute("data-percent")}`))).toEqual([
        `${users.at} 100`,
        `${users.near} 95`,
      ]);
      await expect(panel.getByRole("row", { name: new RegExp(users.at) })).toContainText("At cap");
      await expect(panel.getByRole("row", { name: new RegExp(users.near) })).toContainText("Near");
      await expect(panel).not.toContainText(users.under);
      expect(await mainOverflow(page)).toBeLessThanOrEqual(0);

      // By keyboard: the user's link opens their records of the period in the tenant's explorer.
      const link = panel.getByRole("link", { name: `Cost records of ${users.near} this period` });
      await link.focus();
      await page.keyboard.press("Enter");
      await expect(page).toHaveURL(`/t/${slug}/records?user=${users.near}&from=${today()}&to=${today()}`);
      await expect(page.locator("main [data-record-id]")).toHaveCount(1);
      await expect(page.getByRole("region", { name: "Users at or near their default cap" })).toHaveAttribute("data-near", "2");
      expect(await mainOverflow(page)).toBeLessThanOrEqual(0);

      // The tenant's quotas page: the default's users near / at the cap and its fullest users charted against the limit.
      await page.goto(`/t/${slug}/quotas`);
      const defaults = page.getByRole("region", { name: "Default cap for each end user" });
      await expect(defaults.getByTestId("default-cap-summary")).toHaveText(`2 near · 1 at cap · fullest ${users.at} 100.0%`);
      await expect(defaults.getByTestId("default-cap-chart")).toHaveAttribute("data-users", "2");
      // The chart's numbers as a table, from the keyboard.
      await defaults.getByText("Show as table").focus();
      await page.keyboard.press("Enter");
      await expect(defaults.getByRole("row", { name: new RegExp(users.near) })).toContainText("95.0%");
      expect(await mainOverflow(page)).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
    });

    test("the staff explorer lists them with their tenant; the default's quota page charts them against the limit", async ({ page, db }) => {
      const { slug, quotaId, users } = await tenantWithNearUsers(db);
      await loginAs(page, "admin");
      const errors = collectPageErrors(page);
      await page.goto("/records");
      const panel = page.getByRole("region", { name: "Users at or near their default cap" });
      const row = panel.getByRole("row", { name: new RegExp(users.at) });
      await expect(row).toContainText(`Near cap ${slug}`);
      await expect(row).toContainText("At cap");
      await expect(panel).not.toContainText(users.under);
      await row.getByRole("link", { name: `Cost records of ${users.at} (Near cap ${slug}) this period` }).click();
      await expect(page).toHaveURL(`/records?tenant=${slug}&user=${users.at}&from=${today()}&to=${today()}`);
      await expect(page.locator("main [data-record-id]")).toHaveCount(1);
      expect(await mainOverflow(page)).toBeLessThanOrEqual(0);

      await page.goto(`/quotas?scope=each_user&tenant=${slug}`);
      const listed = page.locator(`[data-testid="default-cap-summary"][data-quota="${quotaId}"]`);
      await expect(listed).toHaveText(`2 near · 1 at cap · fullest ${users.at} 100.0%`);
      expect(await mainOverflow(page)).toBeLessThanOrEqual(0);

      await page.goto(`/quotas/${quotaId}`);
      const summary = page.getByTestId("default-cap-summary");
      await expect(summary).toHaveAttribute("data-near", "2");
      await expect(summary).toHaveAttribute("data-at-cap", "1");
      await expect(summary).toContainText(`fullest ${users.at} 100.0%`);
      await expect(page.getByTestId("default-cap-chart")).toHaveAttribute("data-users", "2");
      expect(errors).toEqual([]);
    });
  });
}

test("another tenant's admin never sees these users; a tenant nobody is near shows the empty state", async ({ page, db }) => {
  const { slug, users } = await tenantWithNearUsers(db);
  await loginAs(page, "acme_admin");
  await expectNotFound(page, `/t/${slug}`);
  await expectNotFound(page, `/t/${slug}/records`);
  await page.goto("/t/acme");
  await expect(page.getByRole("region", { name: "Users at or near their default cap" })).not.toContainText(users.at);
  await page.goto("/t/acme/records");
  await expect(page.getByRole("region", { name: "Users at or near their default cap" })).not.toContainText(users.near);

  // A fresh tenant with a default and nobody near it: the empty state.
  const empty = `nc-empty-${unique()}`;
  expect((await api("POST", "/tenants", { slug: empty, name: `Empty ${empty}` })).status).toBe(201);
  expect((await api("POST", "/quotas", { scope: "each_user", tenantId: empty, resource: "llm", period: "day", limitUsd: "1" })).status).toBe(201);
  await page.context().clearCookies();
  await loginAs(page, "admin");
  await page.goto(`/t/${empty}`);
  await expect(page.getByRole("region", { name: "Users at or near their default cap" }).getByTestId("near-cap-empty")).toHaveText("No end user is near a default cap.");
});
