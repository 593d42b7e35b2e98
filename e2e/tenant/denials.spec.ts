// Denials are visible (ADR 0014): a reservation over a quota is refused through the HTTP API (429),
// and the panel shows it — "denied today" on the overview and the tenant page equal the database's
// figures, the refusing quota's card counts it, "who hit a cap" names the end user with exactly one
// denial — at 1280 px and at phone width, the chart's numbers reachable from the keyboard.
import { collectPageErrors, mainOverflow } from "../records/helpers.ts";
import { expect, loginAs, test } from "../fixtures.ts";
import { api, unique } from "../quotas/api.ts";

const todayOf = (db: import("pg").Pool, tenant: string | null) =>
  db
    .query(
      `SELECT coalesce(sum(d.denied_count), 0)::int AS count, coalesce(sum(d.denied_usd), 0)::text AS usd
         FROM denials_daily d JOIN tenants t ON t.id = d.tenant_id
        WHERE d.day = (now() AT TIME ZONE 'UTC')::date AND ($1::text IS NULL OR t.slug = $1)`,
      [tenant],
    )
    .then((r) => r.rows[0] as { count: number; usd: string });

for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
  test.describe(`at ${viewport.width} px`, () => {
    test.use({ viewport });

    test("a denied reservation shows on the overview and on the tenant page", async ({ page, db }) => {
      // The tightest of acme's LLM quotas (tenant-wide, monthly), and a request just over what it has left.
      const { rows } = await db.query(`SELECT id FROM tenants WHERE slug = 'acme'`);
      const tenantId = rows[0].id as string;
      const status = await api("GET", `/quota-status?tenantId=${tenantId}&resource=llm`);
      expect(status.status).toBe(200);
      const tightest = [...status.body.quotas].sort((a: any, b: any) => a.remainingUsd - b.remainingUsd)[0];
      expect(tightest.scope).toBe("tenant");
      const userId = `e2e-capped-${unique()}`;
      const estimate = (tightest.remainingUsd + 0.5).toFixed(6);
      const denied = await api("POST", "/reservations", {
        tenantId, userId, resource: "llm", idempotencyKey: `deny-${userId}`, estimatedCostUsd: Number(estimate),
      });
      expect(denied.status).toBe(429);
      expect(denied.body.quotaDetails).toMatchObject({ scope: "tenant", resourceType: tightest.resourceType, period: tightest.period });
      const { rows: mine } = await db.query(
        `SELECT denied_count AS count, denied_usd::text AS usd FROM denials_daily WHERE tenant_id = $1 AND user_id = $2`,
        [tenantId, userId],
      );
      expect(mine).toEqual([{ count: 1, usd: Number(estimate).toFixed(10) }]);

      // Staff overview: denied today across tenants, as the database has it.
      await loginAs(page, "admin");
      const errors = collectPageErrors(page);
      await page.goto("/admin");
      const platform = await todayOf(db, null);
      const stat = page.getByTestId("platform-denied-today");
      await expect(stat).toHaveAttribute("data-count", String(platform.count));
      await expect(stat).toHaveAttribute("data-usd", platform.usd);
      expect(platform.count).toBeGreaterThanOrEqual(1);

      // The tenant page, as acme's tenant admin.
      await page.context().clearCookies();
      await loginAs(page, "acme_admin");
      await page.goto("/t/acme");
      const acme = await todayOf(db, "acme");
      await expect(page.getByTestId("tenant-denied-today")).toHaveAttribute("data-count", String(acme.count));
      await expect(page.getByTestId("tenant-denied-today")).toHaveAttribute("data-usd", acme.usd);
      // The refusing quota's card counts today's denials of that quota.
      const label = `${tightest.resourceType === "llm" ? "LLM" : "All resources"}`;
      const card = page.getByRole("article", { name: new RegExp(`^${label} · monthly quota$`) });
      const { rows: byQuota } = await db.query(
        `SELECT coalesce(sum(denied_count), 0)::int AS n FROM denials_daily WHERE quota_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date`,
        [tightest.quotaId],
      );
      await expect(card.getByTestId("quota-denied")).toHaveAttribute("data-count", String(byQuota[0].n));

      // Who hit a cap: this end user, one denial, by that quota.
      const section = page.getByRole("region", { name: "Denied requests" });
      const row = section.getByRole("row").filter({ hasText: userId });
      await expect(row).toHaveCount(1);
      await expect(row).toContainText(`Tenant ${label} · monthly`);
      await expect(row.getByRole("cell", { name: "1", exact: true })).toHaveCount(1);

      // The chart's numbers as a table, from the keyboard.
      const summary = section.getByText("Show as table");
      await summary.focus();
      await page.keyboard.press("Enter");
      const today = new Date().toISOString().slice(0, 10);
      const todayRow = section.getByRole("row").filter({ has: page.getByRole("rowheader", { name: today }) });
      await expect(todayRow).toContainText(acme.count.toLocaleString("en-US"));

      await page.waitForLoadState("networkidle");
      expect(await mainOverflow(page), "content wider than the main area").toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/screenshots/tenant-denials-${viewport.width}.png`, fullPage: true });
      expect(errors).toEqual([]);
    });
  });
}
