// Touchpoint coverage: the demo's title generator only records after the call.
import { expect, loginAs, test } from "../fixtures.ts";

test("title-generator is shown as records-after, main chat as reserves-first", async ({ page }) => {
  await loginAs(page, "ops");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Touchpoints" }).click();
  await expect(page).toHaveURL("/touchpoints");
  await expect(page).toHaveTitle("Touchpoint coverage · Tollgate");

  const title = page.getByRole("row", { name: /title-generator/ });
  await expect(title.locator("[data-mode]")).toHaveAttribute("data-mode", "records_after");
  await expect(title.locator("[data-mode]")).toHaveText("Records after");
  // The registry agrees (it expects no reservation), so it is not flagged red.
  await expect(title.getByRole("cell").last()).toHaveText("Records after");

  const chat = page.getByRole("row", { name: /main-chat/ });
  await expect(chat.locator("[data-mode]")).toHaveAttribute("data-mode", "reserves_first");
  await expect(chat.getByRole("cell").last()).toHaveText("Reserves first");
});

test("finance and tenant admins get 404", async ({ page }) => {
  await loginAs(page, "finance");
  const response = await page.goto("/touchpoints");
  expect(response?.status()).toBe(404);
});
