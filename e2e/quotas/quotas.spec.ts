// Ops manages quotas in the UI: a $1/day tenant quota denies a reservation above it (429) and
// the quotas page shows its utilization; invalid forms show errors next to their fields and save
// nothing; bulk edit sets one limit for several quotas; templates say whom they apply to.
// Each test uses its own tenant, created through the API, so no other test's spend is affected.
import { expect, loginAs, test } from "../fixtures.ts";
import { api, unique } from "./api.ts";

async function newTenant() {
  const slug = `e2e-q-${unique()}`;
  const created = await api("POST", "/tenants", { slug, name: `E2E ${slug}` });
  expect(created.status).toBe(201);
  return { slug, name: `E2E ${slug}`, id: created.body.id as string };
}

test("ops creates a $1/day tenant quota; a reservation above it gets 429; the page shows utilization", async ({ page }) => {
  const tenant = await newTenant();
  await loginAs(page, "ops");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Quotas" }).click();
  await expect(page).toHaveTitle("Quotas · Tollgate");
  await page.getByRole("link", { name: "New quota" }).click();
  await expect(page).toHaveTitle("New quota · Quotas · Tollgate");
  await page.getByLabel("Scope").selectOption("tenant");
  await page.getByLabel("Tenant", { exact: true }).selectOption(tenant.slug);
  await page.getByLabel("Resource").selectOption("all");
  await page.getByLabel("Period (UTC)").selectOption("day");
  await page.getByLabel("Limit (USD per period)").fill("1");
  await page.getByRole("button", { name: "Create quota" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Quota created." })).toBeVisible();

  // $0.40 recorded, then a $0.70 reservation: 0.40 + 0.70 > 1.00 → denied.
  const usage = await api("POST", "/usage", { tenantId: tenant.slug, resource: "llm", idempotencyKey: `u-${tenant.slug}`, actualCostUsd: 0.4 });
  expect(usage.status).toBe(201);
  const denied = await api("POST", "/reservations", { tenantId: tenant.slug, resource: "llm", idempotencyKey: `r-${tenant.slug}`, estimatedCostUsd: 0.7 });
  expect(denied.status).toBe(429);
  expect(denied.body.error).toBe("quota_exceeded");
  expect(denied.body.quotaDetails).toMatchObject({ scope: "tenant", limitUsd: 1, period: "day" });

  await page.goto(`/quotas?tenant=${tenant.slug}&period=day`);
  const row = page.getByRole("row", { name: new RegExp(tenant.name) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("$1.00");
  await expect(row).toContainText("$0.40 · 40.0%");
});

test("invalid quota forms show errors next to the fields and save nothing", async ({ page, db }) => {
  const tenant = await newTenant();
  const count = async () => (await db.query(`SELECT count(*)::int AS n FROM quotas WHERE tenant_id = $1`, [tenant.id])).rows[0].n;
  const before = await count();
  await loginAs(page, "ops");
  await page.goto("/quotas/new");
  await page.getByLabel("Scope").selectOption("tenant");
  await page.getByLabel("Tenant", { exact: true }).selectOption(tenant.slug);
  await page.getByLabel("Limit (USD per period)").fill("0");
  await page.getByLabel("Warning thresholds (%)").fill("90, 80");
  await page.getByRole("button", { name: "Create quota" }).click();
  await expect(page.locator('[data-field-error="limitUsd"]')).toHaveText("must be greater than 0");
  await expect(page.locator('[data-field-error="warningThresholds"]')).toHaveText("must be ascending without repeats");
  await expect(page.getByLabel("Limit (USD per period)")).toHaveAttribute("aria-invalid", "true");
  expect(await count()).toBe(before);

  // The tenant already has an LLM/month quota from the default templates: a duplicate is refused on the form.
  await page.getByLabel("Tenant", { exact: true }).selectOption(tenant.slug);
  await page.getByLabel("Resource").selectOption("llm");
  await page.getByLabel("Period (UTC)").selectOption("month");
  await page.getByLabel("Limit (USD per period)").fill("5");
  await page.getByLabel("Warning thresholds (%)").fill("80");
  await page.getByRole("button", { name: "Create quota" }).click();
  await expect(page.getByRole("alert")).toHaveText("A quota for this scope, resource and period already exists.");
  expect(await count()).toBe(before);
});

test("bulk edit sets one limit for the selected quotas; disable and enable a quota", async ({ page, db }) => {
  const a = await newTenant();
  const b = await newTenant();
  await loginAs(page, "finance");
  await page.goto("/quotas?scope=tenant&resource=llm&period=month");
  for (const t of [a, b]) await page.getByRole("row", { name: new RegExp(t.name) }).getByRole("checkbox").check();
  await page.getByLabel("New limit for the selected quotas (USD)").fill("77");
  await page.getByRole("button", { name: "Set limit for selected" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Set the limit of 2 quotas to $77.00." })).toBeVisible();
  const { rows } = await db.query(
    `SELECT limit_usd::text AS l FROM quotas WHERE tenant_id = ANY($1::uuid[]) AND scope = 'tenant' AND resource = 'llm' AND period = 'month'`,
    [[a.id, b.id]],
  );
  expect(rows.map((r) => r.l)).toEqual(["77.0000000000", "77.0000000000"]);

  const row = page.getByRole("row", { name: new RegExp(a.name) });
  await row.getByRole("button", { name: /^Disable / }).click();
  await expect(page.getByRole("row", { name: new RegExp(a.name) })).toContainText("Disabled");
  await page.getByRole("row", { name: new RegExp(a.name) }).getByRole("button", { name: /^Enable / }).click();
  await expect(page.getByRole("row", { name: new RegExp(a.name) })).toContainText("Enabled");
});

test("default templates say they apply to tenants created from now on", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/quotas/templates");
  await expect(page).toHaveTitle("Default quota templates · Quotas · Tollgate");
  await expect(page.getByRole("note")).toContainText("apply to tenants created from now on");
  await expect(page.getByRole("form", { name: /^Template / })).toHaveCount(3);
  const llm = page.getByRole("form", { name: "Template LLM · monthly" });
  await llm.getByLabel("Warning thresholds (%)").fill("80, 80");
  await llm.getByRole("button", { name: "Save template" }).click();
  await expect(llm.locator('[data-field-error="warningThresholds"]')).toHaveText("must be ascending without repeats");
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test("the quotas page fits the screen and its filters work by keyboard", async ({ page }) => {
    await loginAs(page, "ops");
    await page.goto("/quotas");
    await page.getByLabel("Scope").focus();
    await page.getByLabel("Scope").selectOption("platform");
    await page.keyboard.press("Tab"); // Tenant
    await page.keyboard.press("Tab"); // Resource
    await page.keyboard.press("Tab"); // Period
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Filter" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/scope=platform/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});

test("at 1280 px the quotas table fits without scrolling sideways; its row actions are visible", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/quotas");
  const wrap = page.locator(".table-wrap").first();
  await expect(wrap.locator("tbody tr").first()).toBeVisible();
  expect(await wrap.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(0);
  await expect(wrap.getByRole("link", { name: /^Edit / }).first()).toBeInViewport();
});
