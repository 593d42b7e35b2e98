// A tenant admin sees their own tenant and nothing else: other tenants, unknown tenants and
// staff pages all answer 404 (not 403, see docs/adr/0002-auth-and-roles.md).
import { expect, expectNotFound, loginAs, test } from "../fixtures.ts";

test("acme's admin sees acme", async ({ page, db }) => {
  await loginAs(page, "acme_admin");
  const { rows } = await db.query(`SELECT name FROM tenants WHERE slug = 'acme'`);
  await expect(page).toHaveTitle(`${rows[0].name} · Tollgate`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(rows[0].name);
  await expect(page.getByRole("heading", { level: 2, name: "Quotas" })).toBeVisible();
  await expect(page.getByRole("meter").first()).toBeVisible();
});

test("acme's admin gets 404 for another tenant, an unknown tenant and staff pages", async ({ page }) => {
  await loginAs(page, "acme_admin");
  for (const path of ["/t/globex", "/t/no-such-tenant", "/tenants", "/admin", "/tenants?q=globex"]) {
    await expectNotFound(page, path);
  }
  // The frame still shows their own navigation on the 404 page.
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText(["Spend", "Cost records", "Quotas", "Alerts"]);
});

test("globex's admin gets 404 for acme", async ({ page }) => {
  await loginAs(page, "globex_admin");
  await expectNotFound(page, "/t/acme");
});

test("`/` sends a tenant admin to their tenant", async ({ page }) => {
  await loginAs(page, "globex_admin");
  await page.goto("/");
  await expect(page).toHaveURL("/t/globex");
});

test("unknown URLs show the 404 page; signed-out visitors are asked to sign in first", async ({ page }) => {
  await page.goto("/no/such/page");
  await expect(page).toHaveURL("/login?redirectTo=%2Fno%2Fsuch%2Fpage");
  await loginAs(page, "ops");
  await expectNotFound(page, "/no/such/page");
});
