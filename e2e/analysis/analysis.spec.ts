// The analysis in the panel, on a tenant built through /api/v1 (see scenario.ts) and one
// POST /api/v1/analysis/run: the forecast chart with its limit line and breach marker, the
// anomaly marked on the spend timeline, the overview's lists, the review on the anomalies page
// (audited), and who may see what.
import { expect, expectNotFound, loginAs, test, SAME_ORIGIN } from "../fixtures.ts";
import { createScenario, runAnalysis, type Scenario } from "./scenario.ts";

test.describe.configure({ mode: "serial" });

let s: Scenario;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  s = await createScenario();
  await runAnalysis();
});

test("the tenant page shows the LLM forecast breaching its limit and the sandbox spike on the timeline", async ({ page, db }) => {
  await loginAs(page, "ops");
  await page.goto(`/t/${s.slug}`);
  await expect(page).toHaveTitle(`${s.name} · Tollgate`);

  const llm = page.getByRole("article", { name: "LLM · monthly forecast" });
  await expect(llm.getByTestId("forecast-verdict")).toContainText("Limit of $100.00 expected to be reached");
  const chart = llm.getByTestId("forecast-chart");
  await expect(chart.locator(".forecast-limit")).toHaveCount(1);
  await expect(chart.locator(".forecast-breach")).toHaveCount(1);
  await expect(chart.locator(".forecast-breach-dot")).toHaveCount(1);
  await expect(chart.locator(".recharts-area")).toHaveCount(1); // the 80% band
  const { rows } = await db.query(
    `SELECT f.breach_at FROM forecasts f JOIN quotas q ON q.id = f.quota_id
      WHERE q.tenant_id = $1 AND q.scope = 'tenant' AND q.resource = 'llm' AND q.period = 'month'
      ORDER BY f.period_start DESC LIMIT 1`,
    [s.id],
  );
  expect(rows[0].breach_at).not.toBeNull();
  // The same day as stored (a scheduled run may have recomputed it by seconds since the page loaded).
  await expect(chart).toHaveAttribute("data-breach", new RegExp(`^${rows[0].breach_at.toISOString().slice(0, 10)}T`));
  await chart.getByText("Show as table").click();
  await expect(chart.getByRole("row", { name: /Predicted breach/ })).toContainText("UTC");

  // The spike: one marker on the timeline, one row in the anomalies table, in the chart's table.
  const timeline = page.getByRole("region", { name: "Spend over time" });
  await expect(timeline.locator(".anomaly-marker")).toHaveCount(1);
  await timeline.getByText("Show as table").click();
  await expect(timeline.getByRole("row", { name: new RegExp(s.spikeDay) })).toContainText("Sandbox day: $12.00 vs");
  const findings = page.getByRole("region", { name: "Anomalies" });
  await expect(findings.getByRole("row")).toHaveCount(2); // header + the spike
  await expect(findings.getByRole("row").nth(1)).toContainText("$12.00");
  await expect(findings.getByRole("row").nth(1)).toContainText("Open");

  // The spike is left out of the sandbox forecast's rate, and the card says so (issue #14).
  const day = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(`${s.spikeDay}T00:00:00Z`));
  const sandbox = page.getByRole("article", { name: "Sandbox · monthly forecast" });
  await expect(sandbox.getByTestId("forecast-excluded-day")).toHaveText([`${day} ($12.00, about $1.00 expected)`]);
  await expect(sandbox.getByTestId("forecast-rate-note")).toContainText("flagged as an anomaly, so its excess is counted in the spend so far but not projected");
  // The finding links to its day in the records explorer, the most expensive records first.
  const link = findings.getByRole("row").nth(1).getByTestId("anomaly-records-link");
  await expect(link).toHaveAttribute("href", `/t/${s.slug}/records?resource=sandbox&from=${s.spikeDay}&to=${s.spikeDay}&sort=cost_desc`);
  await link.click();
  await expect(page).toHaveURL(`/t/${s.slug}/records?resource=sandbox&from=${s.spikeDay}&to=${s.spikeDay}&sort=cost_desc`);
  await expect(page.getByRole("table").getByRole("row").nth(1)).toContainText("$12.00");
});

test("the overview lists the open anomaly and the forecast breach, linking to the tenant", async ({ page }) => {
  await loginAs(page, "admin");
  const anomalies = page.getByRole("region", { name: "Open anomalies" });
  const tenantRow = anomalies.getByRole("row").filter({ hasText: s.name });
  await expect(tenantRow.getByRole("link", { name: s.name, exact: true })).toHaveAttribute("href", `/t/${s.slug}`);
  await expect(tenantRow).toContainText("1 (1 high)");
  await expect(tenantRow.getByRole("link", { name: `Review the findings of ${s.name}` })).toHaveAttribute("href", `/anomalies?tenant=${s.slug}`);
  const breaches = page.getByRole("region", { name: "Forecast breaches" });
  const row = breaches.getByRole("row", { name: new RegExp(s.name) }).filter({ hasText: "LLM · monthly" });
  await expect(row).toContainText("of $100.00");
  await row.getByRole("link", { name: s.name, exact: true }).click();
  await expect(page).toHaveURL(`/t/${s.slug}`);
});

test("ops acknowledges, re-opens and dismisses the finding; the audit log shows each review", async ({ page, db }) => {
  test.setTimeout(60_000);
  await loginAs(page, "ops");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Anomalies" }).click();
  await expect(page).toHaveTitle("Anomalies · Tollgate");
  await page.getByLabel("Tenant").selectOption(s.slug);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`tenant=${s.slug}`));
  const table = page.getByRole("region", { name: /open findings/ });
  await expect(table.getByRole("row")).toHaveCount(2);

  await table.getByRole("button", { name: /^Acknowledge/ }).click();
  await expect(page.getByRole("status").filter({ hasText: `Acknowledged: ${s.name}, sandbox` })).toBeVisible();
  await expect(page.getByRole("region", { name: /open findings/ }).getByText("No open findings match these filters.")).toBeVisible();

  await page.getByLabel("Status").selectOption("acknowledged");
  await page.getByRole("button", { name: "Show" }).click();
  const acknowledged = page.getByRole("region", { name: /acknowledged findings/ });
  await expect(acknowledged.getByRole("row").nth(1)).toContainText("by user:ops@tollgate.dev");
  await acknowledged.getByRole("button", { name: /^Re-open/ }).click();
  await expect(page.getByRole("status").filter({ hasText: `Open: ${s.name}` })).toBeVisible();

  await page.goto(`/anomalies?tenant=${s.slug}`);
  await page.getByRole("button", { name: /^Dismiss/ }).click();
  await expect(page.getByRole("status").filter({ hasText: `Dismissed: ${s.name}` })).toBeVisible();
  const { rows } = await db.query(`SELECT status, reviewed_by FROM anomaly_findings WHERE tenant_id = $1`, [s.id]);
  expect(rows).toEqual([{ status: "dismissed", reviewed_by: "user:ops@tollgate.dev" }]);

  // A malformed review changes nothing and says why.
  const bad = await page.request.post("/anomalies?index", { headers: SAME_ORIGIN, form: { intent: "acknowledge", id: "not-a-uuid" } });
  expect(bad.status()).toBe(400);

  // The audit log is for admin and finance: sign in again as admin.
  await page.context().clearCookies();
  await loginAs(page, "admin");
  await page.goto(`/audit?tenant=${s.slug}`);
  const audit = page.getByRole("table");
  await expect(audit.getByRole("row").filter({ hasText: "anomaly.acknowledge" })).toContainText("user:ops@tollgate.dev");
  await expect(audit.getByRole("row").filter({ hasText: "anomaly.reopen" })).toHaveCount(1);
  await expect(audit.getByRole("row").filter({ hasText: "anomaly.dismiss" })).toContainText("user:ops@tollgate.dev");
});

test("finance reads the findings on the overview but cannot open the anomalies page", async ({ page }) => {
  await loginAs(page, "finance");
  await expect(page.getByRole("region", { name: "Open anomalies" })).toBeVisible();
  await expect(page.getByRole("link", { name: /Review all/ })).toHaveCount(0);
  await expectNotFound(page, "/anomalies");
  const post = await page.request.post("/anomalies?index", { headers: SAME_ORIGIN, form: { intent: "dismiss", id: s.id }, maxRedirects: 0 });
  expect(post.status()).toBe(404);
});

test("a tenant admin sees their own tenant's forecasts and findings, read-only, and nobody else's", async ({ page, db }) => {
  await loginAs(page, "acme_admin");
  await expect(page.getByRole("heading", { name: "Forecasts" })).toBeVisible();
  const findings = page.getByRole("region", { name: "Anomalies" });
  await expect(findings.getByRole("button")).toHaveCount(0);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM anomaly_findings a JOIN tenants t ON t.id = a.tenant_id
      WHERE t.slug = 'acme' AND a.day >= current_date - 29 AND a.day <= current_date`,
  );
  if (rows[0].n === 0) await expect(findings.getByText("No anomalies in this range")).toBeVisible();
  else await expect(findings.locator("tbody tr")).toHaveCount(rows[0].n);
  // No review links: the only links are each finding's day in their own records explorer.
  await expect(findings.getByRole("link")).toHaveCount(rows[0].n);
  for (const href of await findings.getByRole("link").evaluateAll((as) => as.map((a) => a.getAttribute("href")))) {
    expect(href).toMatch(/^\/t\/acme\/records\?(resource=(llm|sandbox)&)?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d&sort=cost_desc$/);
  }
  await expectNotFound(page, `/t/${s.slug}`);
  await expectNotFound(page, "/anomalies");
  await expectNotFound(page, "/cost-optimization");
});
