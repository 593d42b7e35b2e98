// An admin creates a user who can then sign in; a disabled user cannot sign in.
import { expect, loginAs, submitSignIn, test } from "../fixtures.ts";

const PASSWORD = "a long enough password";

async function createUser(page: import("@playwright/test").Page, email: string, role: string) {
  await page.goto("/users");
  await expect(page).toHaveTitle("Users · Tollgate");
  await page.getByLabel("Name", { exact: true }).fill(`E2E ${role}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByLabel("Initial password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Created ${email}` })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("Never");
}

const uniqueEmail = (what: string) => `${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@e2e.test`;

test("an admin creates a user, who can then sign in", async ({ page, browser }) => {
  const email = uniqueEmail("new");
  await loginAs(page, "admin");
  await createUser(page, email, "finance");

  const other = await browser.newContext();
  const theirs = await other.newPage();
  await theirs.goto("/login");
  await submitSignIn(theirs, email, PASSWORD);
  await expect(theirs).toHaveURL("/admin");
  await expect(theirs.locator(".user-role")).toHaveText("Finance");
  await other.close();

  await page.reload();
  await expect(page.getByRole("row", { name: new RegExp(email) })).not.toContainText("Never");
});

test("form errors appear next to their fields", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/users");
  await page.getByLabel("Role", { exact: true }).selectOption("tenant_admin");
  await page.getByLabel("Initial password").fill("short");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator("#new-name-error")).toHaveText("Enter a name.");
  await expect(page.locator("#new-email-error")).toHaveText("Enter a valid email address.");
  await expect(page.locator("#new-tenant-error")).toHaveText("A tenant admin needs a tenant.");
  await expect(page.locator("#new-password-error")).toHaveText("At least 12 characters.");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
});

test("a disabled user is signed out and cannot sign in; the admin's own row cannot be disabled", async ({ page, browser }) => {
  const email = uniqueEmail("gone");
  await loginAs(page, "admin");
  await createUser(page, email, "ops");

  const other = await browser.newContext();
  const theirs = await other.newPage();
  await theirs.goto("/login");
  await submitSignIn(theirs, email, PASSWORD);
  await expect(theirs).toHaveURL("/admin");

  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: `Disable ${email}` }).click();
  await expect(page.getByText(`Disabled ${email}; 1 session(s) ended.`)).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(email) })).toContainText("Disabled");

  // Their open session ends at once, and signing in again is refused.
  await theirs.goto("/tenants");
  await expect(theirs).toHaveURL(/\/login/);
  await submitSignIn(theirs, email, PASSWORD);
  await expect(theirs.getByRole("alert")).toContainText("This account has been disabled");
  await other.close();

  const me = page.getByRole("row", { name: /admin@tollgate\.dev/ });
  await expect(me).toContainText("You");
  await expect(me.getByRole("button", { name: /Disable/ })).toHaveCount(0);
});
