// Each role sees exactly its navigation (keep in step with app/services/policy.server.ts (NAV_ITEMS): this
// table is the specification, the config the implementation).
import { expect, loginAs, navLinks, test, type DemoRole } from "../fixtures.ts";

const EXPECTED_NAV: Record<DemoRole, { labels: string[]; role: RegExp }> = {
  admin: { labels: ["Overview", "Tenants", "Pricing", "Quotas", "Cost records", "Anomalies", "Cost optimization", "Alerts", "Touchpoints", "Sandbox errors", "Spool", "Audit log", "Users", "API keys"], role: /^Admin$/ },
  finance: { labels: ["Overview", "Tenants", "Pricing", "Quotas", "Cost records", "Cost optimization", "Alerts", "Audit log"], role: /^Finance$/ },
  ops: { labels: ["Overview", "Tenants", "Quotas", "Cost records", "Anomalies", "Cost optimization", "Alerts", "Touchpoints", "Sandbox errors", "Spool"], role: /^Ops$/ },
  acme_admin: { labels: ["Spend", "Cost records", "Quotas", "Alerts"], role: /^Tenant admin · acme$/ },
  globex_admin: { labels: ["Spend", "Cost records", "Quotas", "Alerts"], role: /^Tenant admin · globex$/ },
};

for (const [role, expected] of Object.entries(EXPECTED_NAV) as [DemoRole, (typeof EXPECTED_NAV)[DemoRole]][]) {
  test(`${role} sees exactly: ${expected.labels.join(", ")}`, async ({ page }) => {
    const user = await loginAs(page, role);
    // Retrying assertion: reading the links once raced the page's hydration.
    await expect(navLinks(page)).toHaveText(expected.labels);
    await expect(page.locator(".user-role")).toHaveText(expected.role);
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    // The link for the current page is marked as such.
    const current = page.getByRole("navigation", { name: "Main" }).locator('a[aria-current="page"]');
    await expect(current).toHaveAttribute("href", user.home);
  });
}

test("keyboard: the skip link is the first stop and moves focus to the content", async ({ page }) => {
  await loginAs(page, "ops");
  // A fresh document load: focus starts at the top of the page.
  await page.goto("/tenants");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the navigation collapses behind a Menu button", async ({ page }) => {
    await loginAs(page, "admin");
    const nav = page.getByRole("navigation", { name: "Main" });
    const menu = page.getByRole("button", { name: "Menu" });
    await expect(nav).toBeHidden();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await nav.getByRole("link", { name: "Tenants" }).click();
    await expect(page).toHaveURL("/tenants");
    await expect(nav).toBeHidden();
    // Nothing is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
