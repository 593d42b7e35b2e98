// The anomalies page pages by keyset, newest first: 50 findings a page, Older/Newer links with
// the cursor in the URL while the filters stay. Findings of a tenant made for this test.
import { expect, loginAs, test } from "../fixtures.ts";
import { api, unique } from "../quotas/api.ts";

test("ops pages through one tenant's findings: Older, Newer and Newest", async ({ page, db }) => {
  const slug = `e2e-paged-${unique()}`;
  const created = await api("POST", "/tenants", { slug, name: `Paged ${slug}` });
  expect(created.status).toBe(201);
  // 52 daily findings, one a day from 2026-01-01: the newest is 2026-02-21.
  await db.query(
    `INSERT INTO anomaly_findings (tenant_id, resource, day, hour, actual_usd, expected_usd, score, severity)
     SELECT (SELECT id FROM tenants WHERE slug = $1), 'llm', date '2025-12-31' + n, -1, 10 + n, 5, 3 + n / 100.0, 'medium'
       FROM generate_series(1, 52) AS n`,
    [slug],
  );
  await loginAs(page, "ops");
  await page.goto(`/anomalies?status=all&tenant=${slug}`);
  await expect(page.getByRole("heading", { name: /^52 findings/ })).toContainText("(50 per page)");
  const rows = page.getByRole("table", { name: "Anomaly findings, newest first" }).locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("Feb 21, 2026");
  await expect(rows.last()).toContainText("Jan 3, 2026");

  const pager = page.getByRole("navigation", { name: "Pages of findings" });
  await pager.getByRole("link", { name: "Older →" }).click();
  await expect(page).toHaveURL(new RegExp(`status=all&tenant=${slug}&after=`));
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("Jan 2, 2026");
  await expect(rows.nth(1)).toContainText("Jan 1, 2026");
  await pager.getByRole("link", { name: "← Newer" }).click();
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("Feb 21, 2026");
  await pager.getByRole("link", { name: "Newest" }).click();
  await expect(page).toHaveURL(`/anomalies?status=all&tenant=${slug}`);
});
