// Every page of the spend area at phone width (390 px): renders without console errors, nothing
// is wider than the screen, the page has its title; a screenshot of each is kept for review
// under test-results/screenshots/.
import { expect, loginAs, test, type DemoRole } from "../fixtures.ts";
import { collectPageErrors, mainOverflow } from "../records/helpers.ts";

const PAGES: { role: DemoRole; path: string; title: string; shot: string }[] = [
  { role: "admin", path: "/records", title: "Cost records · Tollgate", shot: "records" },
  { role: "finance", path: "/t/acme", title: "Acme Corp · Tollgate", shot: "tenant-detail-staff" },
  { role: "ops", path: "/t/globex/records", title: "Cost records · Globex · Tollgate", shot: "tenant-records-staff" },
  { role: "acme_admin", path: "/t/acme", title: "Acme Corp · Tollgate", shot: "tenant-detail" },
  { role: "acme_admin", path: "/t/acme/records", title: "Cost records · Acme Corp · Tollgate", shot: "tenant-records" },
];

test.describe("at 390 px", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  for (const p of PAGES) {
    test(`${p.path} as ${p.role}`, async ({ page }) => {
      await loginAs(page, p.role);
      const errors = collectPageErrors(page);
      const response = await page.goto(p.path);
      expect(response?.status()).toBe(200);
      await expect(page).toHaveTitle(p.title);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      // Charts draw after hydration; wait for them so the screenshot and the error check see them.
      if (!p.path.endsWith("/records")) await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();
      else await expect(page.locator("main [data-record-id]").first()).toBeVisible();
      await page.waitForLoadState("networkidle");
      // The page's own content never scrolls sideways (wide tables scroll inside their frame).
      expect(await mainOverflow(page), "content wider than the main area").toBeLessThanOrEqual(0);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, "nothing is wider than the screen").toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/screenshots/${p.shot}-390.png`, fullPage: true });
      expect(errors).toEqual([]);
    });
  }
});

test("the same pages at 1280 px have no console errors and no sideways scrolling", async ({ page }) => {
  await loginAs(page, "admin");
  const errors = collectPageErrors(page);
  for (const path of ["/records", "/t/acme", "/t/acme/records"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
    expect(await mainOverflow(page), path).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/screenshots/${path.replace(/\W+/g, "-").replace(/^-/, "")}-1280.png` });
  }
  expect(errors).toEqual([]);
});
