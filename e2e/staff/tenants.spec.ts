import { expect, loginAs, test } from "../fixtures.ts";

test("lists every tenant and searches by name or slug", async ({ page, db }) => {
  await loginAs(page, "finance");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tenants" }).click();
  await expect(page).toHaveURL("/tenants");
  await expect(page).toHaveTitle("Tenants · Tollgate");
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM tenants`);
  const table = page.getByRole("table", { name: "Tenants and their spend this month" });
  await expect(table.getByRole("row")).toHaveCount(rows[0].n + 1);

  await page.getByLabel("Search tenants").fill("GLOBEX");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL("/tenants?q=GLOBEX");
  await expect(table.getByRole("link")).toHaveText(["Globex"]);
  await expect(page.getByRole("status")).toHaveText("1 tenant matching “GLOBEX”");

  await page.getByLabel("Search tenants").fill("zzz-no-such-tenant");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(table).toContainText("No tenant matches that search.");
});

test("the spend column sorts numerically", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/tenants");
  const table = page.getByRole("table", { name: "Tenants and their spend this month" });
  await table.getByRole("button", { name: /Spend this month/ }).click();
  await expect(table.getByRole("columnheader", { name: /Spend this month/ })).toHaveAttribute("aria-sort", "descending");
  const amounts = (await table.locator("tbody td.num").allTextContents()).map((t) => Number(t.replace(/[^0-9.]/g, "")));
  expect(amounts.length).toBeGreaterThan(1);
  expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
});
