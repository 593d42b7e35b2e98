// The tenant page: charts and quota cards render, the figures for a date range equal the sums
// of spend_rollups, the range lives in the URL, and the latest records link to the explorer.
import Decimal from "decimal.js";
import { expect, loginAs, test } from "../fixtures.ts";
import { pastWindow } from "../records/helpers.ts";

const ACME = `tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')`;

test("acme's admin sees spend charts, breakdowns and quota cards that match the database", async ({ page, db }) => {
  await loginAs(page, "acme_admin");
  await expect(page).toHaveTitle("Acme Corp · Tollgate");

  // Quota cards: one per enabled tenant quota, each with a meter and its reset time.
  const { rows: quotas } = await db.query(`SELECT count(*)::int AS n FROM quotas WHERE scope = 'tenant' AND enabled AND ${ACME}`);
  const quotaSection = page.getByRole("region", { name: "Quotas" });
  await expect(quotaSection.getByRole("article")).toHaveCount(quotas[0].n);
  await expect(quotaSection.getByRole("meter")).toHaveCount(quotas[0].n);
  await expect(quotaSection.getByText(/^Resets \w{3} \d{1,2}, \d{4}, 00:00 UTC$/).first()).toBeVisible();

  // Default range: the last 30 days by day, one bar group per day; the charts draw bars.
  const overTime = page.getByRole("region", { name: "Spend over time" });
  await expect(overTime.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await overTime.getByText("Show as table").click();
  await expect(overTime.getByRole("table").locator("tbody tr")).toHaveCount(30);
  for (const name of ["By model", "By user", "By touchpoint"]) {
    await expect(page.getByRole("region", { name }).locator(".recharts-bar-rectangle").first()).toBeVisible();
  }

  const recent = page.getByRole("table", { name: "The 10 newest cost records of Acme Corp" });
  await expect(recent.locator("tbody tr")).toHaveCount(10);
  await page.getByRole("link", { name: "All cost records of Acme Corp →" }).click();
  await expect(page).toHaveURL("/t/acme/records");
});

test("a past date range by week: totals and breakdowns equal the rollups, and survive a reload", async ({ page, db }) => {
  const { from, to } = pastWindow();
  const { rows } = await db.query(
    `SELECT coalesce(sum(cost_usd), 0)::text AS total,
            coalesce(sum(cost_usd) FILTER (WHERE resource = 'llm'), 0)::text AS llm,
            coalesce(sum(cost_usd) FILTER (WHERE resource = 'sandbox'), 0)::text AS sandbox,
            (SELECT count(*)::int FROM generate_series(date_trunc('week', $1::date), $2::date, interval '1 week')) AS weeks
       FROM spend_rollups WHERE ${ACME} AND day >= $1::date AND day <= $2::date`,
    [from, to],
  );
  await loginAs(page, "finance");
  await page.goto("/t/acme");
  const range = page.getByRole("form", { name: "Date range" });
  await range.getByLabel("From").fill(from);
  await range.getByLabel("To (included)").fill(to);
  await range.getByLabel("Group by").selectOption("week");
  await range.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(`/t/acme?from=${from}&to=${to}&grain=week`);

  await expect(page.getByTestId("tenant-spend-range")).toHaveAttribute("data-usd", rows[0].total);
  await expect(page.getByTestId("tenant-spend-range-llm")).toHaveAttribute("data-usd", rows[0].llm);
  await expect(page.getByTestId("tenant-spend-range-sandbox")).toHaveAttribute("data-usd", rows[0].sandbox);
  const overTime = page.getByRole("region", { name: "Spend over time" });
  await overTime.getByText("Show as table").click();
  await expect(overTime.getByRole("columnheader", { name: "Week of (UTC)" })).toBeVisible();
  await expect(overTime.getByRole("table").locator("tbody tr")).toHaveCount(rows[0].weeks);

  // Each breakdown's rows (top 10 plus "N other …") add up to the range total.
  for (const name of ["By model", "By user", "By touchpoint"]) {
    const region = page.getByRole("region", { name });
    await region.getByText("Show as table").click();
    const amounts = await region.locator("tbody td[data-usd]").evaluateAll((tds) => tds.map((td) => td.getAttribute("data-usd")!));
    expect(amounts.reduce((s, a) => s.add(a), new Decimal(0)).toFixed(10), name).toBe(new Decimal(rows[0].total).toFixed(10));
  }

  await page.reload();
  await expect(page.getByTestId("tenant-spend-range")).toHaveAttribute("data-usd", rows[0].total);
  await expect(page.getByRole("form", { name: "Date range" }).getByLabel("Group by")).toHaveValue("week");
});

test("presets and a bad range", async ({ page }) => {
  await loginAs(page, "acme_admin");
  await page.getByRole("link", { name: "Last 7 days" }).click();
  await expect(page).toHaveURL(/\/t\/acme\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&grain=day/);
  const overTime = page.getByRole("region", { name: "Spend over time" });
  await overTime.getByText("Show as table").click();
  await expect(overTime.getByRole("table").locator("tbody tr")).toHaveCount(7);
  await expect(page.getByRole("link", { name: "Last 7 days" })).toHaveAttribute("aria-current", "true");

  await page.goto("/t/acme?from=2026-05-10&to=2026-05-01");
  await expect(page.getByRole("alert")).toContainText("To must be on or after From.");
  await expect(page.getByRole("alert")).toContainText("Showing the last 30 days instead.");
  await overTime.getByText("Show as table").click();
  await expect(overTime.getByRole("table").locator("tbody tr")).toHaveCount(30);
});
