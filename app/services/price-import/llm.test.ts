// The CSV price import: exact errors per bad row (no database), then the dry run and the
// all-or-nothing import against a real database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { importPrices, previewPriceImport, validatePriceCsv } from "./llm.server.ts";

const HEADER = "provider,model,input_usd_per_1m,output_usd_per_1m,cached_input_usd_per_1m,effective_from,note";

describe("validatePriceCsv", () => {
  it("accepts the seed file's format and reads dates as UTC midnight", () => {
    const { prices, issues } = validatePriceCsv(`${HEADER}\nopenai,gpt-5,1.25,10.00,0.125,2026-01-01,list price\nacme-ai,m1,0,0.5,,2026-02-01T12:00:00Z,\n`);
    expect(issues).toEqual([]);
    expect(prices).toEqual([
      {
        row: 2,
        price: { provider: "openai", model: "gpt-5", inputUsdPerMillion: "1.25", outputUsdPerMillion: "10.00", cachedInputUsdPerMillion: "0.125", effectiveFrom: "2026-01-01T00:00:00.000Z", note: "list price" },
      },
      { row: 3, price: { provider: "acme-ai", model: "m1", inputUsdPerMillion: "0", outputUsdPerMillion: "0.5", effectiveFrom: "2026-02-01T12:00:00.000Z", note: "" } },
    ]);
  });

  it("reports every bad row with its row number, column and message", () => {
    const csv = [
      HEADER,
      "openai,gpt-5,1.25,10,,2026-03-01,ok", // row 2: fine
      "Open AI,gpt-x,1,2,,2026-03-01,", // row 3: provider format
      "openai,gpt-y,-1,2,,2026-03-01,", // row 4: negative
      "openai,gpt-z,1,2,,2026-02-30,", // row 5: no such day
      "openai,gpt-5,1.25,10,,2026-03-01,again", // row 6: duplicate of row 2
      "openai,,1,abc,,March 1,", // row 7: missing model, not a number, bad date
      "openai,gpt-w,1,2", // row 8: too few fields
    ].join("\n");
    const { prices, issues } = validatePriceCsv(csv);
    expect(prices.map((p) => p.row)).toEqual([2]);
    expect(issues).toEqual([
      { row: 3, column: "provider", message: "must be lowercase letters, digits, dots, dashes or underscores (e.g. openai)" },
      { row: 4, column: "input_usd_per_1m", message: "must not be negative" },
      { row: 5, column: "effective_from", message: "must be a date (YYYY-MM-DD) or an ISO time with a zone" },
      { row: 6, column: "(row)", message: "duplicates row 2 (same provider, model and effective_from)" },
      { row: 7, column: "model", message: "is required" },
      { row: 7, column: "output_usd_per_1m", message: "must be a number such as 2.50" },
      { row: 7, column: "effective_from", message: "must be a date (YYYY-MM-DD) or an ISO time with a zone" },
      { row: 8, column: "(row)", message: "has 4 fields; the header has 7" },
    ]);
  });

  it("names a missing or unknown column in the header and reads no rows", () => {
    const { prices, issues } = validatePriceCsv("provider,model,input_usd_per_1m,effective_from,colour\nopenai,gpt-5,1,2026-01-01,red\n");
    expect(prices).toEqual([]);
    expect(issues).toEqual([
      { row: 1, column: "output_usd_per_1m", message: "missing column" },
      { row: 1, column: "colour", message: "unknown column" },
    ]);
  });

  it("rejects an empty file and a header without rows", () => {
    expect(validatePriceCsv("").issues).toEqual([{ row: 1, column: "(header)", message: "the file is empty" }]);
    expect(validatePriceCsv(`${HEADER}\n`).issues).toEqual([{ row: 1, column: "(file)", message: "no price rows below the header" }]);
  });
});

describe("preview and import (database)", () => {
  let t: TestDatabase;
  const actor = { id: null, label: "test" };

  beforeAll(async () => {
    t = await createAppTestDatabase();
    await t.pool.query(
      `INSERT INTO llm_prices (provider, model, input_usd_per_million, output_usd_per_million, effective_from)
       VALUES ('openai', 'gpt-5', 1.25, 10, '2026-01-01T00:00:00Z')`,
    );
  });

  afterAll(async () => {
    await t?.drop();
  });

  const count = async () => Number((await t.pool.query(`SELECT count(*) FROM llm_prices`)).rows[0].count);

  it("a start at or before the model's latest price is an error on that row; nothing is written", async () => {
    const csv = `${HEADER}\nopenai,gpt-5,1,8,,2025-12-01,\nnewco,m1,1,2,,2026-02-01,\n`;
    const preview = await previewPriceImport(csv);
    expect(preview.issues).toEqual([
      { row: 2, column: "effective_from", message: "must be after 2026-01-01T00:00:00.000Z, when the latest price of openai/gpt-5 starts" },
    ]);
    expect(preview.changes.map((c) => [c.row, c.kind])).toEqual([[3, "new_model"]]);
    await expect(importPrices(actor, csv)).rejects.toMatchObject({ code: "invalid_request" });
    expect(await count()).toBe(1);
  });

  it("imports a clean file in one transaction: closes the old price, audits every row", async () => {
    const csv = `${HEADER}\nopenai,gpt-5,1,8,0.1,2026-03-01,cheaper\nnewco,m1,1,2,,2026-02-01,\n`;
    const preview = await previewPriceImport(csv);
    expect(preview.issues).toEqual([]);
    expect(preview.changes[0]).toMatchObject({ row: 2, kind: "replaces", previous: { inputUsdPerMillion: "1.2500000000", effectiveFrom: "2026-01-01T00:00:00.000Z" } });
    expect(await importPrices(actor, csv)).toEqual({ imported: 2 });
    const { rows } = await t.pool.query(
      `SELECT provider, model, input_usd_per_million::text AS input, effective_from, effective_to FROM llm_prices ORDER BY provider, model, effective_from`,
    );
    expect(rows.map((r) => [r.provider, r.model, r.input, r.effective_from.toISOString(), r.effective_to?.toISOString() ?? null])).toEqual([
      ["newco", "m1", "1.0000000000", "2026-02-01T00:00:00.000Z", null],
      ["openai", "gpt-5", "1.2500000000", "2026-01-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"],
      ["openai", "gpt-5", "1.0000000000", "2026-03-01T00:00:00.000Z", null],
    ]);
    const audit = await t.pool.query(`SELECT action FROM audit_log ORDER BY id`);
    expect(audit.rows.map((r) => r.action).sort()).toEqual(["llm_price.close", "llm_price.create", "llm_price.create", "llm_price.import"]);
  });
});
