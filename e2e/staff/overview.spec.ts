// The overview shows the database's numbers: the page exposes the exact decimal behind each
// headline figure (data-usd) and the test recomputes it from spend_rollups.
import Decimal from "decimal.js";
import { expect, loginAs, test } from "../fixtures.ts";

const MONTH = `day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
           AND day < (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date`;
const TODAY = `day = (now() AT TIME ZONE 'UTC')::date`;

/** $1,234.56 for an exact decimal string (half-up, like the app). */
function usd(value: string) {
  const fixed = new Decimal(value).toFixed(2, Decimal.ROUND_HALF_UP);
  const [whole, cents] = fixed.split(".");
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}

test("platform spend this month and today equal the sums of spend_rollups", async ({ page, db }) => {
  await loginAs(page, "finance");
  const { rows } = await db.query(
    `SELECT (SELECT coalesce(sum(cost_usd), 0) FROM spend_rollups WHERE ${MONTH})::text AS month,
            (SELECT coalesce(sum(cost_usd), 0) FROM spend_rollups WHERE ${TODAY})::text AS today`,
  );
  expect(new Decimal(rows[0].month).gt(0), "the demo seed has spend this month").toBe(true);

  const month = page.getByTestId("platform-spend-month");
  await expect(month).toHaveAttribute("data-usd", rows[0].month);
  await expect(month).toHaveText(usd(rows[0].month));
  await expect(month).toHaveText(/^\$\d{1,3}(,\d{3})*\.\d{2}$/);
  await expect(month).not.toHaveText("$0.00");

  const today = page.getByTestId("platform-spend-today");
  await expect(today).toHaveAttribute("data-usd", rows[0].today);
});

test("platform quotas, top tenants and the trend chart are shown", async ({ page, db }) => {
  await loginAs(page, "admin");
  const { rows: quotas } = await db.query(`SELECT count(*)::int AS n FROM quotas WHERE scope = 'platform'`);
  await expect(page.getByRole("region", { name: "Platform quotas" }).getByRole("meter")).toHaveCount(quotas[0].n);

  const { rows: top } = await db.query(
    `SELECT t.name FROM spend_rollups r JOIN tenants t ON t.id = r.tenant_id WHERE ${MONTH}
      GROUP BY t.id, t.name HAVING sum(r.cost_usd) > 0 ORDER BY sum(r.cost_usd) DESC, t.name LIMIT 10`,
  );
  const topTable = page.getByRole("table", { name: "Top 10 tenants by spend this month" });
  await expect(topTable.getByRole("link")).toHaveText(top.map((r) => r.name));

  const trend = page.getByRole("region", { name: "Daily spend, last 30 days" });
  await expect(trend.locator(".recharts-area")).toHaveCount(2);
  await trend.getByText("Show as table").click();
  await expect(trend.getByRole("table").getByRole("row")).toHaveCount(31);

  await topTable.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/t\/[a-z0-9-]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(top[0].name);
});

test("a staff member can open any tenant; the tenant's month total matches the database", async ({ page, db }) => {
  await loginAs(page, "ops");
  await page.goto("/t/globex");
  await expect(page).toHaveTitle("Globex · Tollgate");
  const { rows } = await db.query(
    `SELECT coalesce(sum(cost_usd), 0)::text AS month FROM spend_rollups
      WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'globex') AND ${MONTH}`,
  );
  await expect(page.getByTestId("tenant-spend-month")).toHaveAttribute("data-usd", rows[0].month);
  await expect(page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Tenants" })).toBeVisible();
});
