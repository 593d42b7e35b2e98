// The analysis pages on the demo data: the cost-optimization page shows recommended TTLs and
// savings (the seed's sandbox runs report active time); each analysis page has its title, no
// console errors and no sideways scrolling at 390 px and 1280 px.
import { expect, loginAs, test, type DemoRole } from "../fixtures.ts";
import { collectPageErrors, mainOverflow } from "../records/helpers.ts";
import { runAnalysis } from "./scenario.ts";

// Findings and forecasts on the pages, so the width checks see them (a fresh server has none
// until its first scheduled run).
test.beforeAll(async () => {
  test.setTimeout(120_000);
  await runAnalysis();
});

test("the cost-optimization page shows recommended TTLs and the projected saving for the demo data", async ({ page }) => {
  await loginAs(page, "finance");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cost optimization" }).click();
  await expect(page).toHaveTitle("Cost optimization · Tollgate");
  // Stored by the analysis (the seed ran it, and so did beforeAll): when, and over which runs.
  await expect(page.getByTestId("ttl-computed")).toHaveText(/^Computed \w{3} \d{1,2}, \d{2}:\d{2} UTC from the sandbox runs of .+ UTC by the analysis \(it runs every 6 hours\)\.$/);
  await expect(page.getByTestId("ttl-no-advice")).toHaveCount(0);
  const total = page.getByTestId("ttl-total-saving");
  await expect(total).toHaveText(/^\$\d/);
  expect(Number(await total.getAttribute("data-usd"))).toBeGreaterThan(0);
  const table = page.getByRole("region", { name: "Recommended TTLs" }).getByRole("table");
  const rows = table.locator("tbody tr");
  expect(await rows.count()).toBeGreaterThan(0);
  // The first row has the biggest saving: a recommended TTL below the current one, and money.
  const first = rows.first();
  const cells = await first.locator("td, th").allInnerTexts();
  expect(cells.join(" | ")).toMatch(/\d+(s|m)/);
  await expect(page.getByTestId("ttl-chart")).toBeVisible();
  await expect(page.getByTestId("ttl-chart").locator(".recharts-bar-rectangle").first()).toBeVisible();

  // One tenant: only its rows; a tenant with no sandbox runs gets the empty state.
  await page.getByLabel("Tenant").selectOption("acme");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/tenant=acme/);
  const acmeRows = page.getByRole("region", { name: "Recommended TTLs" }).locator("tbody tr");
  await expect(acmeRows.first()).toContainText("Acme");
  for (const text of await acmeRows.allInnerTexts()) expect(text).toContain("Acme");
});

test("a tenant admin reads their tenant's stored TTL advice on the tenant page, with when it was computed", async ({ page }) => {
  await loginAs(page, "acme_admin");
  const section = page.getByRole("region", { name: "Sandbox TTL advice" });
  await expect(section.getByTestId("ttl-computed")).toContainText("by the analysis");
  await expect(section.getByTestId("tenant-ttl-saving")).toContainText("Projected saving: $");
  expect(await section.locator("tbody tr").count()).toBeGreaterThan(0);
  await expect(section.getByRole("link", { name: "All tenants →" })).toHaveCount(0);
});

const PAGES: { role: DemoRole; path: string; title: RegExp }[] = [
  { role: "ops", path: "/anomalies?status=all", title: /^Anomalies · Tollgate$/ },
  { role: "admin", path: "/cost-optimization", title: /^Cost optimization · Tollgate$/ },
  { role: "admin", path: "/admin", title: /^Overview · Tollgate$/ },
  { role: "ops", path: "/t/acme", title: /^Acme .*· Tollgate$/ },
  { role: "acme_admin", path: "/t/acme", title: /^Acme .*· Tollgate$/ },
];

for (const width of [390, 1280]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 844 } });
    for (const p of PAGES) {
      test(`${p.path} as ${p.role}`, async ({ page }) => {
        await loginAs(page, p.role);
        const errors = collectPageErrors(page);
        const response = await page.goto(p.path);
        expect(response?.status()).toBe(200);
        await expect(page).toHaveTitle(p.title);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        await page.waitForLoadState("networkidle");
        expect(await mainOverflow(page), "content wider than the main area").toBeLessThanOrEqual(0);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, "nothing is wider than the screen").toBeLessThanOrEqual(0);
        const shot = `${p.path.replace(/[^a-z0-9]+/gi, "-")}-${p.role}-${width}`;
        await page.screenshot({ path: `test-results/screenshots/analysis${shot}.png`, fullPage: true });
        expect(errors).toEqual([]);
      });
    }
  });
}
