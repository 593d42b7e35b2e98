// The README's pictures: the overview, a tenant page and the records explorer, taken from the
// demo seed at 1280 px and written to docs/screenshots/ (committed). Each page is checked first
// (heading and a figure against the database), so a screenshot of a broken page fails the run.
import path from "node:path";
import Decimal from "decimal.js";
import type { Page } from "@playwright/test";
import { expect, loginAs, test } from "../fixtures.ts";
import { pastWindow, shownIds } from "../records/helpers.ts";

const OUT = path.join(import.meta.dirname, "..", "..", "docs", "screenshots");
const MONTH = `day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
           AND day < (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date`;

test.use({ viewport: { width: 1280, height: 900 } });

/** The window (not the whole scrolled page): what a reader sees first, and a small PNG. */
async function shoot(page: Page, name: string) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), animations: "disabled", caret: "hide" });
}

test("overview", async ({ page, db }) => {
  await loginAs(page, "finance");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Overview");
  const { rows } = await db.query(`SELECT coalesce(sum(cost_usd), 0)::text AS month FROM spend_rollups WHERE ${MONTH}`);
  expect(new Decimal(rows[0].month).gt(0), "the demo seed has spend this month").toBe(true);
  await expect(page.getByTestId("platform-spend-month")).toHaveAttribute("data-usd", rows[0].month);
  await expect(page.getByRole("region", { name: "Daily spend, last 30 days" }).locator(".recharts-area")).toHaveCount(2);
  await shoot(page, "overview");
});

test("tenant page", async ({ page, db }) => {
  await loginAs(page, "acme_admin");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme Corp");
  const { rows } = await db.query(
    `SELECT coalesce(sum(cost_usd), 0)::text AS month FROM spend_rollups
      WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'acme') AND ${MONTH}`,
  );
  await expect(page.getByTestId("tenant-spend-month")).toHaveAttribute("data-usd", rows[0].month);
  await expect(page.getByRole("region", { name: "Spend over time" }).locator(".recharts-bar-rectangle").first()).toBeVisible();
  await shoot(page, "tenant");
});

test("records explorer", async ({ page, db }) => {
  const { from, to } = pastWindow();
  const { rows } = await db.query(
    `SELECT c.id::text FROM cost_records c JOIN tenants t ON t.id = c.tenant_id
      WHERE t.slug = 'acme' AND c.occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC'
        AND c.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
      ORDER BY c.occurred_at DESC, c.id DESC LIMIT 50`,
    [from, to],
  );
  expect(rows.length).toBe(50);
  await loginAs(page, "finance");
  await page.goto(`/records?tenant=acme&from=${from}&to=${to}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Cost records");
  await expect(page.getByRole("table", { name: "Cost records" }).locator("tbody tr")).toHaveCount(50);
  expect(await shownIds(page)).toEqual(rows.map((r) => r.id));
  await shoot(page, "records");
});
