// An admin creates an API key (shown once), it authenticates against the HTTP API, the admin
// revokes it in the UI and the same call then gets 401; the audit log shows the creation.
import { E2E } from "../env.ts";
import { expect, loginAs, test } from "../fixtures.ts";

const quotaStatus = (key: string) =>
  fetch(`${E2E.baseUrl}/api/v1/quota-status?tenantId=acme`, { headers: { Authorization: `Bearer ${key}` } });

test("create a key (shown once), use it, revoke it, and find its creation in the audit log", async ({ page }) => {
  const name = `e2e key ${Date.now().toString(36)}`;
  await loginAs(page, "admin");
  await page.goto("/api-keys");
  await expect(page).toHaveTitle("API keys · Tollgate");

  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Scope").selectOption({ label: "Acme Corp (acme)" });
  await page.getByRole("button", { name: "Create key" }).click();

  const shown = page.getByTestId("new-api-key");
  await expect(shown).toBeVisible();
  await expect(page.getByText("this is the only time it is shown")).toBeVisible();
  await expect(page.getByRole("button", { name: "Copy key" })).toBeVisible();
  const key = (await shown.textContent())!;
  expect(key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);

  const ok = await quotaStatus(key);
  expect(ok.status).toBe(200);

  // Shown once: a fresh load of the page has only the prefix.
  await page.goto("/api-keys");
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(key);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText(key.slice(0, 12));
  await expect(row).toContainText("Acme");

  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "Key revoked" })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Revoked");

  const refused = await quotaStatus(key);
  expect(refused.status).toBe(401);

  // The audit log: the creation, with its after-state.
  await page.goto(`/audit?${new URLSearchParams({ action: "api_key.create", actor: "admin@tollgate.dev" })}`);
  await expect(page).toHaveTitle("Audit log · Tollgate");
  const entry = page.locator("details.audit-entry", { hasText: name });
  await expect(entry).toHaveCount(1);
  await entry.locator("summary").click();
  const diff = entry.locator("table.json-diff");
  await expect(diff).toBeVisible();
  await expect(diff.getByRole("row", { name: /^name/ })).toContainText(`"${name}"`);
  await expect(diff.getByRole("row", { name: /^prefix/ })).toContainText(key.slice(0, 12));
  await expect(diff.locator('tr[data-changed="true"]')).not.toHaveCount(0);
  expect(await diff.textContent()).not.toContain(key);
});

test("a key can be created with the keyboard alone, and a missing name is reported next to the field", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/api-keys");
  await page.getByRole("button", { name: "Create key" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.locator("#key-name-error")).toHaveText("Enter a name.");
  await expect(page.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Name").focus();
  await page.keyboard.type(`keyboard key ${Date.now().toString(36)}`);
  await page.keyboard.press("Tab"); // scope
  await page.keyboard.press("Tab"); // Create key
  await expect(page.getByRole("button", { name: "Create key" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("new-api-key")).toBeVisible();
  // Focus moves to the notice, so the key is what a keyboard user reaches next.
  await expect(page.getByRole("heading", { name: /created/ })).toBeFocused();
});
