// Sandbox errors: the stage chart renders, and the table filters by stage and tenant.
import { expect, loginAs, test } from "../fixtures.ts";

test("the page charts errors by stage and filters the recent errors", async ({ page, db }) => {
  await loginAs(page, "ops");
  await page.goto("/sandbox-errors");
  await expect(page).toHaveTitle("Sandbox errors · Tollgate");

  const chart = page.getByTestId("errors-by-stage");
  await expect(chart.locator("svg.recharts-surface")).toBeVisible();
  await expect(chart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("errors-per-day").locator("svg.recharts-surface")).toBeVisible();

  // The stage table behind the chart matches the database for the default 30 days.
  const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM sandbox_error_events WHERE occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC'`,
    [from],
  );
  await expect(page.getByRole("heading", { name: /Errors by stage/ })).toContainText(`(${rows[0].n.toLocaleString("en-US")} in total)`);
  expect(rows[0].n).toBeGreaterThan(0);

  await page.getByLabel("Stage", { exact: true }).selectOption("execution");
  await page.getByLabel("Tenant", { exact: true }).selectOption({ label: "Acme Corp" });
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/stage=execution/);
  await expect(page).toHaveURL(/tenant=acme/);
  const recent = page.getByRole("table", { name: "Recent sandbox errors" }).locator("tbody tr");
  // Every listed error is an execution error of acme (once the filtered data has arrived).
  await expect
    .poll(async () => {
      const texts = await recent.allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes("Execution") && t.includes("acme"));
    })
    .toBe(true);
});

test("an empty range shows an empty state instead of a chart", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/sandbox-errors?from=2020-01-01&to=2020-01-31");
  await expect(page.getByRole("heading", { name: "No sandbox errors" })).toBeVisible();
  await expect(page.getByText("No errors match these filters.")).toBeVisible();
});
