// Finance manages LLM prices: a new price effective now closes the previous one and prices the
// next usage recorded through the API; CSV imports are previewed (every row's errors, nothing
// written) before a clean file is imported. Models are unique per run so tests never collide.
import { expect, loginAs, test } from "../fixtures.ts";
import { api, unique } from "../quotas/api.ts";

const HEADER = "provider,model,input_usd_per_1m,output_usd_per_1m,cached_input_usd_per_1m,effective_from,note";

test("finance adds a price effective now; the next usage is priced with it; history shows both rows", async ({ page }) => {
  const model = `e2e-model-${unique()}`;
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  const seeded = await api("POST", "/prices/llm", { provider: "e2e", model, inputUsdPerMillion: 1, outputUsdPerMillion: 2, effectiveFrom: yesterday });
  expect(seeded.status).toBe(201);

  await loginAs(page, "finance");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Pricing" }).click();
  await expect(page).toHaveTitle("Pricing · Tollgate");
  await expect(page.getByRole("row", { name: new RegExp(model) })).toContainText("$1.00");

  await page.getByRole("link", { name: "Add a new price", exact: true }).click();
  await expect(page).toHaveTitle("Add a price · Pricing · Tollgate");
  await page.getByLabel("Provider").fill("e2e");
  await page.getByLabel("Model").fill(model);
  await page.getByLabel("Input USD per 1M tokens").fill("3");
  await page.getByLabel("Output USD per 1M tokens").fill("15");
  await page.getByLabel("Note (optional)").fill("raised by e2e");
  // "Effective from" defaults to now (UTC, minutes): the new price is in effect at once.
  await expect(page.getByLabel("Effective from (UTC)")).toHaveValue(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  await page.getByRole("button", { name: "Add price" }).click();

  await expect(page).toHaveURL(/\/pricing\/history\?/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Price history: e2e/${model}`);
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(3); // header + both prices
  await expect(rows.nth(1)).toContainText("$3.00");
  await expect(rows.nth(1)).toContainText("in effect");
  await expect(rows.nth(2)).toContainText("$1.00");
  await expect(rows.nth(2)).not.toContainText("in effect");

  // Tokens × the new price: 1,000 × $3/1M + 2,000 × $15/1M = $0.033.
  const usage = await api("POST", "/usage", {
    tenantId: "acme",
    resource: "llm",
    idempotencyKey: `e2e-price-${model}`,
    provider: "e2e",
    model,
    inputTokens: 1000,
    outputTokens: 2000,
  });
  expect(usage.status).toBe(201);
  expect(usage.body.costUsd).toBe(0.033);

  // The note is editable in place.
  const note = page.getByLabel(/^Note for the price from/).first();
  await note.fill("raised by e2e (checked)");
  await page.getByRole("button", { name: "Save note" }).first().click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(/^Note for the price from/).first()).toHaveValue("raised by e2e (checked)");
});

test("a price starting before the current one is refused next to the field, and bad numbers too", async ({ page, db }) => {
  const model = `e2e-early-${unique()}`;
  expect((await api("POST", "/prices/llm", { provider: "e2e", model, inputUsdPerMillion: 1, outputUsdPerMillion: 2 })).status).toBe(201);
  await loginAs(page, "finance");
  await page.goto(`/pricing/new?provider=e2e&model=${model}`);
  await page.getByLabel("Input USD per 1M tokens").fill("-1");
  await page.getByLabel("Output USD per 1M tokens").fill("2");
  await page.getByRole("button", { name: "Add price" }).click();
  await expect(page.getByLabel("Input USD per 1M tokens")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator('[data-field-error="inputUsdPerMillion"]')).toHaveText("must be a decimal number");

  await page.getByLabel("Input USD per 1M tokens").fill("1.5");
  await page.getByLabel("Effective from (UTC)").fill("2026-01-02T00:00");
  await page.getByRole("button", { name: "Add price" }).click();
  await expect(page.locator('[data-field-error="effectiveFrom"]')).toContainText("must be after");
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM llm_prices WHERE model = $1`, [model]);
  expect(rows[0].n).toBe(1);
});

test("CSV import: two bad rows are listed with their errors and nothing is written; a clean file imports", async ({ page, db }) => {
  const provider = `e2e-csv-${unique()}`;
  const count = async () => (await db.query(`SELECT count(*)::int AS n FROM llm_prices WHERE provider = $1`, [provider])).rows[0].n;
  const audits = async () => (await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'llm_price.import'`)).rows[0].n;
  const auditsBefore = await audits();

  await loginAs(page, "finance");
  await page.goto("/pricing/import");
  await expect(page).toHaveTitle("Import prices · Pricing · Tollgate");
  const bad = [HEADER, `${provider},m-a,1,2,,2026-03-01,ok`, `${provider},m-b,-4,2,,2026-03-01,`, `${provider},m-c,1,2,,2026-13-01,`].join("\n");
  await page.getByLabel("CSV contents").fill(bad);
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "2 errors" })).toBeVisible();
  const errors = page.getByRole("table", { name: "Errors by row" }).getByRole("row");
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(1)).toHaveText(/3\s*input_usd_per_1m\s*must not be negative/);
  await expect(errors.nth(2)).toHaveText(/4\s*effective_from\s*must be a date/);
  await expect(page.getByRole("button", { name: /^Import \d/ })).toHaveCount(0);
  expect(await count()).toBe(0);
  expect(await audits()).toBe(auditsBefore);

  // Upload the fixed file instead of pasting it.
  const good = [HEADER, `${provider},m-a,1,2,,2026-03-01,ok`, `${provider},m-b,4,8,0.4,2026-03-01,"quoted, note"`].join("\n");
  await page.getByLabel("CSV contents").fill("");
  await page.getByLabel("CSV file").setInputFiles({ name: "prices.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(page.getByText("No errors. 2 prices will be added.")).toBeVisible();
  await expect(page.getByRole("table", { name: "Prices the import would add" }).getByRole("row")).toHaveCount(3);
  expect(await count()).toBe(0);
  await page.getByRole("button", { name: "Import 2 prices" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Imported 2 prices." })).toBeVisible();
  expect(await count()).toBe(2);
  expect(await audits()).toBe(auditsBefore + 1);
});

test("ops and tenant admins do not get the pricing pages", async ({ page }) => {
  await loginAs(page, "ops");
  expect((await page.goto("/pricing"))?.status()).toBe(404);
  expect((await page.goto("/pricing/import"))?.status()).toBe(404);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test("the pricing page fits the screen", async ({ page }) => {
    await loginAs(page, "finance");
    await page.goto("/pricing");
    await expect(page.getByRole("heading", { name: "LLM prices" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
