// The spool page: reachable from the navigation for ops, its empty state (the e2e server runs
// fail-closed and no spool directory exists, so there is nothing to warn about on the
// overview), and not there for finance. Dead letters themselves are driven through the real
// replay in app/services/spool-page.test.ts (this server cannot produce them).
import { expect, loginAs, test } from "../fixtures.ts";

test("ops opens the spool from the navigation and sees the empty state; the overview has no spool warning", async ({ page }) => {
  await loginAs(page, "ops");
  await page.goto("/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("spool-warning")).toHaveCount(0);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Spool" }).click();
  await expect(page).toHaveURL(/\/spool$/);
  await expect(page).toHaveTitle("Spool · Tollgate");
  await expect(page.getByRole("heading", { name: "No dead letters" })).toBeVisible();
  await expect(page.getByTestId("spool-backlog")).toHaveText("0");
  await expect(page.getByTestId("spool-dead-letters")).toHaveText("0");
  await expect(page.getByRole("table", { name: "Dead letters, newest first" })).toHaveCount(0);
});

test("finance has no spool page", async ({ page }) => {
  await loginAs(page, "finance");
  const response = await page.goto("/spool");
  expect(response?.status()).toBe(404);
});
