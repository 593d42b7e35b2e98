// The sandbox rate import: exact errors per bad row (no database), then the dry run and the
// all-or-nothing import against a real database, with the form's closing rule.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { readPriceFile } from "./file.ts";
import { SANDBOX_PRICE_CSV_COLUMNS, SANDBOX_PRICE_CSV_EXAMPLE, importSandboxPrices, previewSandboxPriceImport, validateSandboxPriceCsv } from "./sandbox.server.ts";

const HEADER = "tier,usd_per_second,effective_from,note";

describe("validateSandboxPriceCsv", () => {
  it("reads the seed file's format: exact rate text, dates as UTC midnight, quoted notes", () => {
    const { prices, issues } = validateSandboxPriceCsv(`${HEADER}\nstandard,0.0001,2026-01-01,"about $0.03, 5 minutes"\ngpu,0.0020,2026-02-01T12:00:00+01:00,\n`);
    expect(issues).toEqual([]);
    expect(prices).toEqual([
      { row: 2, price: { tier: "standard", usdPerSecond: "0.0001", effectiveFrom: "2026-01-01T00:00:00.000Z", note: "about $0.03, 5 minutes" } },
      { row: 3, price: { tier: "gpu", usdPerSecond: "0.0020", effectiveFrom: "2026-02-01T11:00:00.000Z", note: "" } },
    ]);
  });

  it("reports every bad row with its row number, column and message", () => {
    const csv = [
      HEADER,
      "standard,0.0001,2026-03-01,ok", // row 2: fine
      "tpu,0.0001,2026-03-01,", // row 3: no such tier
      "gpu,-0.002,2026-03-01,", // row 4: negative
      "gpu,0.00000000001,2026-03-01,", // row 5: 11 decimals (the API schema's rule)
      "standard,0.0002,2026-03-01,again", // row 6: same tier and start as row 2
      ",,2026-02-30,", // row 7: tier and rate missing, no such day
      "high-cpu,0.0004", // row 8: too few fields
    ].join("\r\n");
    const { prices, issues } = validateSandboxPriceCsv(csv);
    expect(prices.map((p) => p.row)).toEqual([2]);
    expect(issues).toEqual([
      { row: 3, column: "tier", message: "must be one of standard, gpu, high-memory, high-cpu" },
      { row: 4, column: "usd_per_second", message: "must not be negative" },
      { row: 5, column: "usd_per_second", message: "at most 10 decimal places" },
      { row: 6, column: "(row)", message: "duplicates row 2 (same tier and effective_from)" },
      { row: 7, column: "tier", message: "is required" },
      { row: 7, column: "usd_per_second", message: "is required" },
      { row: 7, column: "effective_from", message: "must be a date (YYYY-MM-DD) or an ISO time with a zone" },
      { row: 8, column: "(row)", message: "has 2 fields; the header has 4" },
    ]);
  });

  it("takes only its own columns: an LLM header is refused column by column", () => {
    const { prices, issues } = validateSandboxPriceCsv("provider,model,usd_per_second,effective_from\nopenai,gpt-5,1,2026-01-01\n");
    expect(prices).toEqual([]);
    expect(issues).toEqual([
      { row: 1, column: "tier", message: "missing column" },
      { row: 1, column: "provider", message: "unknown column" },
      { row: 1, column: "model", message: "unknown column" },
    ]);
  });

  it("the downloadable example has exactly the import's columns and no errors", () => {
    expect(readPriceFile(SANDBOX_PRICE_CSV_EXAMPLE, { columns: SANDBOX_PRICE_CSV_COLUMNS, required: [] }).rows).toHaveLength(2);
    expect(validateSandboxPriceCsv(SANDBOX_PRICE_CSV_EXAMPLE)).toMatchObject({ issues: [], prices: [{ row: 2 }, { row: 3 }] });
  });
});

describe("sandbox rate preview and import (database)", () => {
  let t: TestDatabase;
  const actor = { id: null, label: "user:finance@test" };

  beforeAll(async () => {
    t = await createAppTestDatabase();
    await t.pool.query(
      `INSERT INTO sandbox_prices (tier, usd_per_second, effective_from, note)
       VALUES ('standard', 0.0001, '2026-01-01T00:00:00Z', 'seed'), ('gpu', 0.002, '2026-01-01T00:00:00Z', 'seed')`,
    );
  });

  afterAll(async () => {
    await t?.drop();
  });

  const prices = async () =>
    (
      await t.pool.query(
        `SELECT tier, usd_per_second::text AS rate, effective_from, effective_to, note FROM sandbox_prices ORDER BY tier, effective_from`,
      )
    ).rows.map((r) => [r.tier, r.rate, r.effective_from.toISOString(), r.effective_to?.toISOString() ?? null, r.note]);
  const SEEDED = [
    ["gpu", "0.0020000000", "2026-01-01T00:00:00.000Z", null, "seed"],
    ["standard", "0.0001000000", "2026-01-01T00:00:00.000Z", null, "seed"],
  ];
  const auditActions = async () => (await t.pool.query(`SELECT action FROM audit_log ORDER BY action`)).rows.map((r) => r.action);

  it("a file with two bad rows: the preview lists both errors, the import refuses it and writes nothing", async () => {
    // Row 2 starts before gpu's current rate (a database check); row 3 has a bad tier (a file check).
    const csv = `${HEADER}\ngpu,0.0015,2025-12-01,\nhigh-memory,0.0003,2026-03-01,\nxl,0.1,2026-03-01,\n`;
    const preview = await previewSandboxPriceImport(csv);
    expect(preview.issues).toEqual([
      { row: 2, column: "effective_from", message: "must be after 2026-01-01T00:00:00.000Z, when the latest rate of gpu starts" },
      { row: 4, column: "tier", message: "must be one of standard, gpu, high-memory, high-cpu" },
    ]);
    expect(preview.changes).toEqual([
      { row: 3, tier: "high-memory", usdPerSecond: "0.0003", effectiveFrom: "2026-03-01T00:00:00.000Z", kind: "new_tier", previous: null },
    ]);
    await expect(importSandboxPrices(actor, csv)).rejects.toMatchObject({
      code: "invalid_request",
      message: "The file has 2 error(s); nothing was imported.",
      issues: [
        { path: "row 2.effective_from", message: "must be after 2026-01-01T00:00:00.000Z, when the latest rate of gpu starts" },
        { path: "row 4.tier", message: "must be one of standard, gpu, high-memory, high-cpu" },
      ],
    });
    expect(await prices()).toEqual(SEEDED);
    expect(await auditActions()).toEqual([]);
  });

  it("a good file: every rate is written, the previous rate closed at the new start, one audited transaction", async () => {
    // Two gpu rows out of order: the file's earlier start closes the stored rate, the later one closes it.
    const csv = `${HEADER}\ngpu,0.0012,2026-05-01,second\ngpu,0.0018,2026-03-01T12:00:00Z,first\nhigh-cpu,0.0004,2026-03-01,new tier\n`;
    const preview = await previewSandboxPriceImport(csv);
    expect(preview).toEqual({
      issues: [],
      changes: [
        { row: 2, tier: "gpu", usdPerSecond: "0.0012", effectiveFrom: "2026-05-01T00:00:00.000Z", kind: "replaces", previous: { usdPerSecond: "0.0018", effectiveFrom: "2026-03-01T12:00:00.000Z" } },
        { row: 3, tier: "gpu", usdPerSecond: "0.0018", effectiveFrom: "2026-03-01T12:00:00.000Z", kind: "replaces", previous: { usdPerSecond: "0.0020000000", effectiveFrom: "2026-01-01T00:00:00.000Z" } },
        { row: 4, tier: "high-cpu", usdPerSecond: "0.0004", effectiveFrom: "2026-03-01T00:00:00.000Z", kind: "new_tier", previous: null },
      ],
    });
    expect(await prices()).toEqual(SEEDED); // the dry run wrote nothing

    expect(await importSandboxPrices(actor, csv)).toEqual({ imported: 3 });
    expect(await prices()).toEqual([
      ["gpu", "0.0020000000", "2026-01-01T00:00:00.000Z", "2026-03-01T12:00:00.000Z", "seed"],
      ["gpu", "0.0018000000", "2026-03-01T12:00:00.000Z", "2026-05-01T00:00:00.000Z", "first"],
      ["gpu", "0.0012000000", "2026-05-01T00:00:00.000Z", null, "second"],
      ["high-cpu", "0.0004000000", "2026-03-01T00:00:00.000Z", null, "new tier"],
      ["standard", "0.0001000000", "2026-01-01T00:00:00.000Z", null, "seed"],
    ]);
    const { rows: audit } = await t.pool.query(`SELECT action, actor_label, after FROM audit_log ORDER BY id`);
    // In effective order: high-cpu (midnight), then gpu's two rates, each closing the one before.
    expect(audit.map((r) => r.action)).toEqual([
      "sandbox_price.create",
      "sandbox_price.close",
      "sandbox_price.create",
      "sandbox_price.close",
      "sandbox_price.create",
      "sandbox_price.import",
    ]);
    expect(audit.every((r) => r.actor_label === "user:finance@test")).toBe(true);
    expect(audit[5].after).toEqual({ rows: 3 });

    // The same file again: every row now starts at or before its tier's latest rate.
    expect((await previewSandboxPriceImport(csv)).issues.map((i) => [i.row, i.column])).toEqual([
      [2, "effective_from"],
      [3, "effective_from"],
      [4, "effective_from"],
    ]);
  });
});
