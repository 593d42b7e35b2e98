import { hash } from "@node-rs/argon2";
import { E2E } from "../env.ts";
import { DEMO_PASSWORD, DEMO_USERS, expect, loginAs, submitSignIn, test, throwawayEmail } from "../fixtures.ts";

test.describe("sign-in", () => {
  test("staff land on the overview, tenant admins on their tenant", async ({ page }) => {
    await loginAs(page, "finance");
    await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
    await expect(page).toHaveTitle("Overview · Tollgate");

    await page.context().clearCookies();
    await loginAs(page, "acme_admin");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Acme/);
  });

  test("a signed-out visitor is sent to sign-in and comes back to the page they asked for", async ({ page }) => {
    await page.goto("/tenants?q=glo");
    await expect(page).toHaveURL("/login?redirectTo=%2Ftenants%3Fq%3Dglo");
    await expect(page).toHaveTitle("Sign in · Tollgate");
    await submitSignIn(page, DEMO_USERS.ops.email, DEMO_PASSWORD);
    await expect(page).toHaveURL("/tenants?q=glo");
    await expect(page.getByRole("link", { name: "Globex" })).toBeVisible();
  });

  test("an off-site redirectTo is ignored", async ({ page }) => {
    await page.goto("/login?redirectTo=//evil.test/phish");
    await submitSignIn(page, DEMO_USERS.admin.email, DEMO_PASSWORD);
    await expect(page).toHaveURL("/admin");
  });

  test("a wrong password shows an error and keeps the email", async ({ page }) => {
    await page.goto("/login");
    await submitSignIn(page, DEMO_USERS.globex_admin.email, "not-the-password");
    await expect(page.getByRole("alert")).toHaveText("The email address or password is incorrect.");
    await expect(page.getByLabel("Email")).toHaveValue(DEMO_USERS.globex_admin.email);
    await expect(page).toHaveURL("/login");
  });

  test("missing or malformed fields are reported next to the field", async ({ page }) => {
    await page.goto("/login");
    await submitSignIn(page, "not-an-email", "");
    const email = page.getByLabel("Email");
    await expect(email).toHaveAttribute("aria-invalid", "true");
    await expect(email).toHaveAccessibleDescription(/Enter a valid email address/);
    await expect(page.getByLabel("Password")).toHaveAccessibleDescription("Enter your password.");
    await expect(email).toBeFocused();
  });

  test("after 5 failures even the right password is refused with a throttle message", async ({ page, db }, info) => {
    // A throwaway account, so the throttle (per email and IP) affects no other test.
    const email = throwawayEmail(info.title);
    await db.query(
      `INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Throwaway', 'ops', $2)`,
      [email, await hash(DEMO_PASSWORD)],
    );
    await page.goto("/login");
    for (let i = 1; i <= 5; i++) {
      await submitSignIn(page, email, `wrong-${i}`);
      await expect(page.getByRole("alert")).toHaveText("The email address or password is incorrect.");
    }
    await submitSignIn(page, email, DEMO_PASSWORD);
    await expect(page.getByRole("alert")).toHaveText(/^Too many failed sign-in attempts\. Try again in 1[45] minutes\.$/);
    await expect(page).toHaveURL("/login");
    const { rows } = await db.query(`SELECT success FROM login_attempts WHERE email = $1`, [email]);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.success === false)).toBe(true);
  });

  test("a form on another site that posts to Tollgate is refused (403) and changes nothing", async ({ page }) => {
    await loginAs(page, "ops");
    // A page of another origin that submits a sign-out form to Tollgate as soon as it loads.
    await page.route("http://evil.test/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<form id="f" method="post" action="${E2E.baseUrl}/logout"></form><script>document.getElementById("f").submit()</script>`,
      }),
    );
    const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/logout");
    // The page navigates away as soon as it loads: wait for the POST's answer, not for its load.
    await page.goto("http://evil.test/", { waitUntil: "commit" });
    const response = await answered;
    expect(response.status()).toBe(403);
    expect(response.request().headers()["origin"]).toBe("http://evil.test");
    await expect(page.getByRole("heading", { level: 1, name: "Request refused" })).toBeVisible();
    // Still signed in.
    await page.goto("/admin");
    await expect(page).toHaveURL("/admin");
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  });

  test("sign-out ends the session", async ({ page }) => {
    await loginAs(page, "admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL("/login");
    await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
    await page.goto("/admin");
    await expect(page).toHaveURL("/login?redirectTo=%2Fadmin");
  });
});
