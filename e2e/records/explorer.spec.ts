// The staff cost-records explorer against the e2e database: filters, keyset paging both ways,
// sorting, bad URLs, and the streamed CSV export compared with SQL over the same filters.
import { readFile } from "node:fs/promises";
import Decimal from "decimal.js";
import { expect, loginAs, test } from "../fixtures.ts";
import { parseCsv } from "../../app/services/csv.ts";
import { pastWindow, shownIds } from "./helpers.ts";

// The explorer's date filter: whole UTC days, both ends included.
const FILTER = `t.slug = 'acme' AND c.model = 'gpt-5'
  AND c.occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC' AND c.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`;

test("filters by tenant, model and dates; Next and Previous walk the same ordered rows", async ({ page, db }) => {
  const { from, to } = pastWindow();
  const { rows } = await db.query(
    `SELECT c.id::text FROM cost_records c JOIN tenants t ON t.id = c.tenant_id WHERE ${FILTER}
      ORDER BY c.occurred_at DESC, c.id DESC LIMIT 150`,
    [from, to],
  );
  const expected = rows.map((r) => r.id);
  expect(expected.length, "the demo seed gives acme enough gpt-5 calls for three pages").toBeGreaterThan(100);

  await loginAs(page, "finance");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cost records" }).click();
  await expect(page).toHaveURL("/records");
  await expect(page).toHaveTitle("Cost records · Tollgate");

  await page.getByLabel("Tenant", { exact: true }).selectOption("acme");
  await page.getByLabel("Model", { exact: true }).fill("gpt-5");
  await page.getByLabel("From (UTC)").fill(from);
  await page.getByLabel("To (UTC, inclusive)").fill(to);
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(`/records?tenant=acme&model=gpt-5&from=${from}&to=${to}`);

  const table = page.getByRole("table", { name: "Cost records" });
  await expect(table.locator("tbody tr")).toHaveCount(50);
  expect(await shownIds(page)).toEqual(expected.slice(0, 50));
  await expect(table.locator("tbody")).not.toContainText("Globex");
  await expect(page.getByText("← Previous", { exact: true })).toHaveAttribute("aria-disabled", "true");

  const pager = page.getByRole("navigation", { name: "Pages of records" });
  await pager.getByRole("link", { name: "Next 50 →" }).click();
  await expect(page).toHaveURL(/after=/);
  await expect.poll(() => shownIds(page)).toEqual(expected.slice(50, 100));
  await pager.getByRole("link", { name: "Next 50 →" }).click();
  await expect.poll(() => shownIds(page)).toEqual(expected.slice(100, 150));

  await pager.getByRole("link", { name: "← Previous 50" }).click();
  await expect(page).toHaveURL(/before=/);
  await expect.poll(() => shownIds(page)).toEqual(expected.slice(50, 100));
  await pager.getByRole("link", { name: "← Previous 50" }).click();
  await expect.poll(() => shownIds(page)).toEqual(expected.slice(0, 50));
  await expect(page.getByText("← Previous", { exact: true })).toHaveAttribute("aria-disabled", "true");

  // The URL is the state: reloading a deep page shows the same rows.
  await pager.getByRole("link", { name: "Next 50 →" }).click();
  await expect.poll(() => shownIds(page)).toEqual(expected.slice(50, 100));
  await page.reload();
  expect(await shownIds(page)).toEqual(expected.slice(50, 100));
});

test("sorting by cost from the column header", async ({ page, db }) => {
  const { from, to } = pastWindow();
  const { rows } = await db.query(
    `SELECT c.id::text FROM cost_records c JOIN tenants t ON t.id = c.tenant_id WHERE ${FILTER}
      ORDER BY c.cost_usd DESC, c.id DESC LIMIT 50`,
    [from, to],
  );
  await loginAs(page, "ops");
  await page.goto(`/records?tenant=acme&model=gpt-5&from=${from}&to=${to}`);
  const table = page.getByRole("table", { name: "Cost records" });
  await table.getByRole("link", { name: /^Cost/ }).click();
  await expect(page).toHaveURL(/sort=cost_desc/);
  await expect(table.getByRole("columnheader", { name: /Cost/ })).toHaveAttribute("aria-sort", "descending");
  await expect.poll(() => shownIds(page)).toEqual(rows.map((r) => r.id));
  await expect(page.getByLabel("Sort")).toHaveValue("cost_desc");
});

test("the CSV export has exactly the filtered records and their exact total", async ({ page, db }) => {
  const { from, to } = pastWindow();
  const { rows } = await db.query(
    `SELECT count(*)::int AS n, sum(c.cost_usd)::text AS total, min(c.id)::text AS first_id
       FROM cost_records c JOIN tenants t ON t.id = c.tenant_id WHERE ${FILTER}`,
    [from, to],
  );
  await loginAs(page, "finance");
  await page.goto(`/records?tenant=acme&model=gpt-5&from=${from}&to=${to}&sort=cost_asc`);
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: /Export CSV/ }).click();
  const download = await downloading;
  const today = new Date().toISOString().slice(0, 10);
  expect(download.suggestedFilename()).toBe(`cost-records-acme-${today}.csv`);

  const [header, ...records] = parseCsv(await readFile((await download.path())!, "utf8"));
  const col = (name: string) => header.indexOf(name);
  expect(header.slice(0, 4)).toEqual(["id", "occurred_at", "tenant", "tenant_name"]);
  expect(records).toHaveLength(rows[0].n);
  const total = records.reduce((sum, r) => sum.add(r[col("cost_usd")]), new Decimal(0));
  expect(total.toFixed(10)).toBe(rows[0].total);
  expect(records.every((r) => r[col("tenant")] === "acme" && r[col("model")] === "gpt-5")).toBe(true);
  // Sorted like the page (cheapest first) and money as the exact stored decimal text.
  const costs = records.map((r) => new Decimal(r[col("cost_usd")]));
  expect(costs.every((c, i) => i === 0 || costs[i - 1].lte(c))).toBe(true);
  expect(records.every((r) => /^\d+\.\d{10}$/.test(r[col("cost_usd")]))).toBe(true);
  expect(new Set(records.map((r) => r[col("id")]))).toContain(rows[0].first_id);
});

test("a bad URL explains what is wrong instead of failing; an empty result says so", async ({ page }) => {
  await loginAs(page, "admin");
  const response = await page.goto("/records?from=2026-02-30&sort=biggest&resource=gpu");
  expect(response?.status()).toBe(400);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("From must be a date like 2026-03-31.");
  await expect(alert).toContainText("Sort must be one of the listed orders.");
  await expect(alert).toContainText("Resource must be LLM or Sandbox.");
  await expect(page.getByLabel("Resource")).toHaveAttribute("aria-invalid", "true");

  await page.goto("/records?after=not-a-real-cursor");
  await expect(page.getByRole("alert")).toContainText("The page link is damaged or out of date");

  await page.goto("/records?conversation=no-such-conversation");
  await expect(page.getByRole("heading", { name: "No cost records match these filters" })).toBeVisible();
  const exportResponse = await page.request.get("/records/export.csv?from=yesterday");
  expect(exportResponse.status()).toBe(400);
  expect(await exportResponse.text()).toContain("From must be a date like 2026-03-31.");
});

test("keyboard: filter from the form and page on without a mouse", async ({ page }) => {
  await loginAs(page, "ops");
  await page.goto("/records");
  await page.getByLabel("Touchpoint").focus();
  await page.keyboard.type("main-chat");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/touchpoint=main-chat/);
  const next = page.getByRole("link", { name: "Next 50 →" });
  await next.focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/after=/);
});

test("tenant admins and signed-out visitors cannot reach the staff explorer or its export", async ({ page }) => {
  await page.goto("/records");
  await expect(page).toHaveURL("/login?redirectTo=%2Frecords");
  await loginAs(page, "acme_admin");
  const response = await page.goto("/records");
  expect(response?.status()).toBe(404);
  expect((await page.request.get("/records/export.csv")).status()).toBe(404);
});
