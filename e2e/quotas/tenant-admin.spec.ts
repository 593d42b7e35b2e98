// A tenant admin sees their tenant's quotas read-only and manages quotas for their own end
// users; a post that edits a tenant quota is refused and changes nothing.
import { expect, loginAs, test, SAME_ORIGIN } from "../fixtures.ts";
import { unique } from "./api.ts";

test("a tenant admin creates and edits a user quota for their tenant; tenant quotas have no edit controls", async ({ page, db }) => {
  const endUser = `e2e-user-${unique()}`;
  await loginAs(page, "acme_admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Quotas" }).click();
  await expect(page).toHaveURL("/t/acme/quotas");
  await expect(page).toHaveTitle(/^Quotas · .+ · Tollgate$/);

  const tenantSection = page.getByRole("region", { name: /quotas \(read-only\)/ });
  await expect(tenantSection.getByRole("row")).not.toHaveCount(1); // the header and the tenant's quotas
  await expect(tenantSection.getByRole("link")).toHaveCount(0);
  await expect(tenantSection.getByRole("button", { name: /edit|disable|delete/i })).toHaveCount(0);
  await expect(page.getByLabel("Scope")).toHaveCount(0); // scope and tenant are fixed
  await expect(page.getByLabel("Tenant", { exact: true })).toHaveCount(0);

  await page.getByLabel("End-user id").fill(endUser);
  await page.getByLabel("Resource").selectOption("llm");
  await page.getByLabel("Period (UTC)").selectOption("day");
  await page.getByLabel("Limit (USD per period)").fill("-2");
  await page.getByRole("button", { name: "Create user quota" }).click();
  await expect(page.locator('[data-field-error="limitUsd"]')).toHaveText("must be a decimal number");
  await page.getByLabel("Limit (USD per period)").fill("2.5");
  await page.getByRole("button", { name: "Create user quota" }).click();
  await expect(page.getByRole("status").filter({ hasText: "User quota saved." })).toBeVisible();
  const row = page.getByRole("region", { name: "End-user quotas" }).getByRole("row", { name: new RegExp(endUser) });
  await expect(row).toContainText("$0.00 of $2.50");

  await row.getByRole("link", { name: /^Edit quota of/ }).click();
  await expect(page.getByRole("heading", { name: `Edit the quota of ${endUser}` })).toBeVisible();
  await page.getByLabel("Limit (USD per period)").fill("3");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("region", { name: "End-user quotas" }).getByRole("row", { name: new RegExp(endUser) })).toContainText("of $3.00");
  const { rows } = await db.query(
    `SELECT q.scope, t.slug, q.limit_usd::text AS l FROM quotas q JOIN tenants t ON t.id = q.tenant_id WHERE q.scope_id = $1`,
    [endUser],
  );
  expect(rows).toEqual([{ scope: "user", slug: "acme", l: "3.0000000000" }]);
});

test("a tenant admin's post editing a tenant quota is refused and nothing changes; other tenants answer 404", async ({ page, db }) => {
  const { rows } = await db.query(
    `SELECT q.id, q.limit_usd::text AS l FROM quotas q JOIN tenants t ON t.id = q.tenant_id WHERE t.slug = 'acme' AND q.scope = 'tenant' LIMIT 1`,
  );
  await loginAs(page, "acme_admin");
  const refused = await page.request.post("/t/acme/quotas", {
    headers: SAME_ORIGIN,
    form: { intent: "update", id: rows[0].id, limitUsd: "999999", warningThresholds: "80", enforcement: "hard", enabled: "on" },
    maxRedirects: 0,
  });
  expect(refused.status()).toBe(404);
  const created = await page.request.post("/t/acme/quotas", { headers: SAME_ORIGIN, form: { intent: "create", scope: "tenant", resource: "llm", period: "day", limitUsd: "1" }, maxRedirects: 0 });
  expect(created.status()).toBe(403);
  const after = await db.query(`SELECT limit_usd::text AS l FROM quotas WHERE id = $1`, [rows[0].id]);
  expect(after.rows[0].l).toBe(rows[0].l);
  expect((await page.goto("/t/globex/quotas"))?.status()).toBe(404);
  expect((await page.goto("/quotas"))?.status()).toBe(404);
});

test("a tenant admin sets the default cap for each of their end users (ADR 0016), and edits it", async ({ page, db }) => {
  await db.query(`DELETE FROM quotas q USING tenants t WHERE t.id = q.tenant_id AND t.slug = 'acme' AND q.scope = 'each_user' AND q.resource = 'sandbox' AND q.period = 'week'`);
  await loginAs(page, "acme_admin");
  await page.goto("/t/acme/quotas");
  const section = page.getByRole("region", { name: "Default cap for each end user" });
  await section.getByRole("link", { name: "New default cap" }).click();
  await expect(page.getByRole("heading", { name: "New default cap for each end user" })).toBeVisible();
  await expect(page.getByLabel("End-user id")).toHaveCount(0); // a default names no user
  await page.getByLabel("Resource").selectOption("sandbox");
  await page.getByLabel("Period (UTC)").selectOption("week");
  await page.getByLabel("Limit (USD per period)").fill("4");
  await page.getByRole("button", { name: "Create default cap" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Default cap saved." })).toBeVisible();
  const row = section.getByRole("row", { name: /Sandbox/ });
  await expect(row).toContainText("$4.00");
  await row.getByRole("link", { name: /^Edit the default cap for each end user/ }).click();
  await expect(page.getByRole("heading", { name: "Edit the default cap for each end user" })).toBeVisible();
  await page.getByLabel("Limit (USD per period)").fill("5");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(section.getByRole("row", { name: /Sandbox/ })).toContainText("$5.00");
  const { rows } = await db.query(
    `SELECT q.scope_id, q.limit_usd::text AS l FROM quotas q JOIN tenants t ON t.id = q.tenant_id
      WHERE t.slug = 'acme' AND q.scope = 'each_user' AND q.resource = 'sandbox' AND q.period = 'week'`,
  );
  expect(rows).toEqual([{ scope_id: null, l: "5.0000000000" }]);
});

test("a tenant admin cannot create or edit another tenant's default cap: 404, nothing written", async ({ page, db }) => {
  // globex's own default (llm per week), as its staff would have set it.
  await db.query(`DELETE FROM quotas q USING tenants t WHERE t.id = q.tenant_id AND t.slug = 'globex' AND q.scope = 'each_user' AND q.resource = 'llm' AND q.period = 'week'`);
  const { rows } = await db.query(
    `INSERT INTO quotas (tenant_id, scope, resource, period, limit_usd)
     SELECT id, 'each_user', 'llm', 'week', 3 FROM tenants WHERE slug = 'globex' RETURNING id`,
  );
  const globexDefault = rows[0].id as string;
  const defaults = () =>
    db.query(
      `SELECT t.slug, q.resource, q.period, q.limit_usd::text AS l FROM quotas q JOIN tenants t ON t.id = q.tenant_id
        WHERE q.scope = 'each_user' AND t.slug = 'globex' ORDER BY q.resource, q.period`,
    );
  const before = (await defaults()).rows;
  await loginAs(page, "acme_admin");
  // Through globex's URL: the tenant is not theirs.
  const created = await page.request.post("/t/globex/quotas", {
    headers: SAME_ORIGIN,
    form: { intent: "create", scope: "each_user", resource: "sandbox", period: "day", limitUsd: "1", warningThresholds: "80", enforcement: "hard", enabled: "on" },
    maxRedirects: 0,
  });
  expect(created.status()).toBe(404);
  // Through their own URL, naming globex's default by id.
  const edited = await page.request.post("/t/acme/quotas", {
    headers: SAME_ORIGIN,
    form: { intent: "update", id: globexDefault, limitUsd: "999999", warningThresholds: "80", enforcement: "hard", enabled: "on" },
    maxRedirects: 0,
  });
  expect(edited.status()).toBe(404);
  expect((await page.goto(`/t/acme/quotas?edit=${globexDefault}`))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Edit the default cap for each end user" })).toHaveCount(0);
  expect((await defaults()).rows).toEqual(before);
  expect(before).toContainEqual({ slug: "globex", resource: "llm", period: "week", l: "3.0000000000" });
  await db.query(`DELETE FROM quotas WHERE id = $1`, [globexDefault]);
});
