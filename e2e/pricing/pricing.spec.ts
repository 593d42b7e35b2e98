// Finance manages LLM prices: a new price effective now closes the previous one and prices the
// next usage recorded through the API; CSV imports are previewed (every row's errors, nothing
// written) before a clean file is imported, for LLM prices and sandbox rates. Models are unique
// per run so tests never collide; sandbox tiers are fixed, so only one test imports them.
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

test("CSV import of sandbox rates: the example downloads, bad rows are listed, a clean file closes the current rates", async ({ page, db }) => {
  // Tiers are a fixed set shared by every test, so the new rates start decades ahead: today's
  // prices (and every other test's costs) stay as they are, while the closing rule is visible.
  const rates = async () =>
    (
      await db.query(
        `SELECT tier, usd_per_second::text AS rate, effective_from, effective_to FROM sandbox_prices
          WHERE tier IN ('gpu', 'high-memory') ORDER BY tier, effective_from`,
      )
    ).rows.map((r) => `${r.tier} ${r.rate} ${r.effective_from.toISOString().slice(0, 10)}→${r.effective_to?.toISOString().slice(0, 10) ?? "open"}`);
  const audits = async () => (await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'sandbox_price.import'`)).rows[0].n;
  const before = await rates();
  expect(before).toEqual(["gpu 0.0020000000 2026-01-01→open", "high-memory 0.0003000000 2026-01-01→open"]);

  await loginAs(page, "finance");
  await page.goto("/pricing");
  await page.getByRole("link", { name: "Import sandbox rates from CSV" }).click();
  await expect(page).toHaveTitle("Import sandbox rates · Pricing · Tollgate");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Import sandbox rates from CSV");
  await expect(page.getByRole("navigation", { name: "What to import" }).getByRole("link", { name: "Sandbox rates" })).toHaveAttribute("aria-current", "page");
  await expect(page.locator("code").first()).toHaveText("tier,usd_per_second,effective_from,note");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download an example file" }).click();
  const example = await download;
  expect(example.suggestedFilename()).toBe("sandbox-rates-example.csv");
  const exampleText = await new Response((await example.createReadStream()) as any).text();
  expect(exampleText.split("\n")[0]).toBe("tier,usd_per_second,effective_from,note");

  const bad = ["tier,usd_per_second,effective_from,note", "gpu,0.0015,2025-06-01,too early", "high-memory,0.0002,2091-01-01,ok", "tpu,0.01,2091-01-01,"].join("\n");
  await page.getByLabel("CSV contents").fill(bad);
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "2 errors" })).toBeVisible();
  const errors = page.getByRole("table", { name: "Errors by row" }).getByRole("row");
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(1)).toHaveText(/2\s*effective_from\s*must be after 2026-01-01T00:00:00.000Z, when the latest rate of gpu starts/);
  await expect(errors.nth(2)).toHaveText(/4\s*tier\s*must be one of standard, gpu, high-memory, high-cpu/);
  await expect(page.getByRole("button", { name: /^Import \d/ })).toHaveCount(0);
  expect(await rates()).toEqual(before);

  const good = ["tier,usd_per_second,effective_from,note", "gpu,0.0015,2091-01-01,contracted", "high-memory,0.00025,2091-01-01T12:00:00Z,\"contracted, memory\""].join("\n");
  await page.getByLabel("CSV contents").fill(good);
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  await expect(page.getByText("No errors. 2 rates will be added.")).toBeVisible();
  const changes = page.getByRole("table", { name: "Rates the import would add" }).getByRole("row");
  await expect(changes).toHaveCount(3);
  await expect(changes.nth(1)).toContainText("replaces $0.002 (since 2026-01-01)");
  expect(await rates()).toEqual(before);
  await page.getByRole("button", { name: "Import 2 rates" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Imported 2 rates." })).toBeVisible();
  expect(await rates()).toEqual([
    "gpu 0.0020000000 2026-01-01→2091-01-01",
    "gpu 0.0015000000 2091-01-01→open",
    "high-memory 0.0003000000 2026-01-01→2091-01-01",
    "high-memory 0.0002500000 2091-01-01→open",
  ]);
  expect(await audits()).toBe(1);
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

  test("the sandbox import page and its preview fit the screen", async ({ page }) => {
    await loginAs(page, "finance");
    await page.goto("/pricing/import?kind=sandbox");
    await page.getByLabel("CSV contents").fill("tier,usd_per_second,effective_from,note\nxl,0.1,2091-01-01,a note that is quite long indeed\n");
    await page.getByRole("button", { name: "Preview (dry run)" }).click();
    await expect(page.getByRole("table", { name: "Errors by row" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
