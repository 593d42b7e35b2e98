// A tenant's own explorer: its admin sees only its records (whatever the URL says) and gets a
// 404 for any other tenant's explorer or export; staff reach it from the tenant page.
import { expect, expectNotFound, loginAs, test } from "../fixtures.ts";
import { pastWindow, shownIds } from "../records/helpers.ts";

test("acme's admin sees exactly acme's newest records, and 404 for globex's", async ({ page, db }) => {
  const { from, to } = pastWindow();
  const { rows } = await db.query(
    `SELECT c.id::text FROM cost_records c JOIN tenants t ON t.id = c.tenant_id
      WHERE t.slug = 'acme' AND c.occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC'
        AND c.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
      ORDER BY c.occurred_at DESC, c.id DESC LIMIT 50`,
    [from, to],
  );
  await loginAs(page, "acme_admin");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cost records" }).click();
  await expect(page).toHaveURL("/t/acme/records");
  await expect(page).toHaveTitle("Cost records · Acme Corp · Tollgate");
  await expect(page.getByLabel("Tenant", { exact: true })).toHaveCount(0);

  // `tenant=globex` in the URL is ignored: the path decides the tenant.
  await page.goto(`/t/acme/records?tenant=globex&from=${from}&to=${to}`);
  const ids = await shownIds(page);
  expect(ids).toEqual(rows.map((r) => r.id));
  const { rows: foreign } = await db.query(
    `SELECT count(*)::int AS n FROM cost_records WHERE id = ANY($1::bigint[])
        AND tenant_id <> (SELECT id FROM tenants WHERE slug = 'acme')`,
    [ids],
  );
  expect(foreign[0].n).toBe(0);

  await expectNotFound(page, "/t/globex/records");
  await expectNotFound(page, `/t/globex/records?from=${from}`);
  expect((await page.request.get("/t/globex/records/export.csv")).status()).toBe(404);
  const own = await page.request.get(`/t/acme/records/export.csv?from=${to}&to=${to}&tenant=globex`);
  expect(own.status()).toBe(200);
  expect(own.headers()["content-type"]).toContain("text/csv");
  const lines = (await own.text()).trim().split("\r\n").slice(1);
  expect(lines.every((l) => l.split(",")[2] === "acme")).toBe(true);
});

test("staff open a tenant's records from its page, and follow a user to their records", async ({ page }) => {
  await loginAs(page, "ops");
  await page.goto("/t/globex");
  await page.getByRole("navigation", { name: "Globex pages" }).getByRole("link", { name: "Cost records" }).click();
  await expect(page).toHaveURL("/t/globex/records");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Globex: cost records");
  const breadcrumb = page.getByRole("navigation", { name: "Breadcrumb" });
  await expect(breadcrumb.getByRole("link")).toHaveText(["Tenants", "Globex"]);

  const firstUser = page.getByRole("table", { name: "Cost records of Globex" }).locator("tbody a").first();
  const userId = (await firstUser.textContent())!.trim();
  await firstUser.click();
  await expect(page).toHaveURL(`/t/globex/records?user=${encodeURIComponent(userId)}`.replace(/%20/g, "+"));
  await expect(page.getByLabel("User ID")).toHaveValue(userId);
});
