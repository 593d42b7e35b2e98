// Every admin page: a title, and at phone width nothing is wider than the screen.
import { expect, loginAs, test } from "../fixtures.ts";

const PAGES = [
  ["/users", "Users · Tollgate"],
  ["/api-keys", "API keys · Tollgate"],
  ["/audit", "Audit log · Tollgate"],
  ["/touchpoints", "Touchpoint coverage · Tollgate"],
  ["/sandbox-errors", "Sandbox errors · Tollgate"],
  ["/spool", "Spool · Tollgate"],
] as const;

for (const width of [1280, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });
    test("admin pages have a title, a heading and no horizontal page overflow", async ({ page }) => {
      await loginAs(page, "admin");
      for (const [path, title] of PAGES) {
        const response = await page.goto(path);
        expect(response?.status(), path).toBe(200);
        await expect(page).toHaveTitle(title);
        await expect(page.getByRole("heading", { level: 1 })).toHaveText(title.split(" · ")[0]);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} overflows at ${width}px`).toBeLessThanOrEqual(0);
      }
    });
  });
}

test("the audit log filters live in the URL and a bad date is reported, not a 500", async ({ page }) => {
  await loginAs(page, "finance");
  await page.goto("/audit?from=2026-13-45&actor=nobody");
  await expect(page.getByRole("alert")).toContainText("Some filters were not understood");
  await expect(page.getByLabel("Actor")).toHaveValue("nobody");
});
