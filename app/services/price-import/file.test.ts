// The price files' shared reading, without a database: limits, header, row shapes, and the
// field readers' verdicts by spreadsheet row and column.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  byRow,
  effectiveFromField,
  firstOfItsKind,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  rateField,
  readPriceFile,
  requiredPresent,
  schemaIssues,
  type ImportIssue,
} from "./file.ts";

const SPEC = { columns: ["model", "input_usd", "effective_from"], required: ["model", "input_usd"] } as const;
const HEADER = "model,input_usd,effective_from\n";
const rowOf = (line: string) => readPriceFile(HEADER + line, SPEC).rows[0]!;

describe("readPriceFile", () => {
  it("reads a header in any case with a BOM, numbers rows as a spreadsheet does, skips blank lines", () => {
    const { rows, issues } = readPriceFile('\uFEFFModel, Input_USD ,effective_from\ngpt,2.50,2026-01-01\n\n,,\nbad,row\n"m,1", 0.1 ,\n\n', SPEC);
    expect(rows.map((r) => [r.row, r.get("model"), r.get("input_usd"), r.get("effective_from"), r.get("not-a-column")])).toEqual([
      [2, "gpt", "2.50", "2026-01-01", ""],
      [6, "m,1", "0.1", "", ""],
    ]);
    expect(issues).toEqual([{ row: 5, column: "(row)", message: "has 2 fields; the header has 3" }]);
  });

  it("stops at a fatal problem with no rows: too big, empty, wrong header, header only, too many rows", () => {
    const fatal = (text: string) => readPriceFile(text, SPEC);
    expect(MAX_IMPORT_BYTES).toBe(524_288);
    expect(fatal("a".repeat(MAX_IMPORT_BYTES + 1))).toEqual({ rows: [], issues: [{ row: 0, column: "(file)", message: "the file is larger than 512 KiB" }] });
    expect(fatal("")).toEqual({ rows: [], issues: [{ row: 1, column: "(header)", message: "the file is empty" }] });
    expect(fatal("\n\r\n , \n")).toEqual({ rows: [], issues: [{ row: 1, column: "(header)", message: "the file is empty" }] });
    expect(fatal("model,price,\ngpt,1,\n")).toEqual({
      rows: [],
      issues: [
        { row: 1, column: "input_usd", message: "missing column" },
        { row: 1, column: "price", message: "unknown column" },
        { row: 1, column: "(blank)", message: "unknown column" },
      ],
    });
    expect(fatal("model,input_usd\n")).toEqual({ rows: [], issues: [{ row: 1, column: "(file)", message: "no price rows below the header" }] });
    const many = (n: number) => HEADER + "gpt,1,\n".repeat(n);
    expect(fatal(many(MAX_IMPORT_ROWS + 1))).toEqual({ rows: [], issues: [{ row: 0, column: "(file)", message: "at most 2000 rows per import" }] });
    expect(fatal(many(MAX_IMPORT_ROWS)).rows).toHaveLength(2000);
  });

  it("gives back every field as written (trimmed), whatever commas, quotes and line breaks it holds (property)", () => {
    const field = fc.string({ maxLength: 12, unit: fc.constantFrom("a", "b", " ", ",", '"', "\n", "\r\n", "1", ".", "é") });
    const row = fc.tuple(field, field, field).filter((fs) => fs.some((f) => f.trim() !== ""));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), (rows) => {
        const csv = HEADER + rows.map((fs) => fs.map((f) => `"${f.replaceAll('"', '""')}"`).join(",")).join("\r\n");
        const read = readPriceFile(csv, SPEC);
        expect(read.issues).toEqual([]);
        expect(read.rows.map((r) => SPEC.columns.map((c) => r.get(c)))).toEqual(rows.map((fs) => fs.map((f) => f.trim())));
        expect(read.rows.map((r) => r.row)).toEqual(rows.map((_, i) => i + 2));
      }),
    );
  });
});

describe("field readers", () => {
  it("requiredPresent reports each blank required column", () => {
    const issues: ImportIssue[] = [];
    expect(requiredPresent(rowOf("gpt,1,"), SPEC.required, issues)).toBe(true);
    expect(requiredPresent(rowOf(" , ,2026-01-01"), SPEC.required, issues)).toBe(false);
    expect(issues).toEqual([
      { row: 2, column: "model", message: "is required" },
      { row: 2, column: "input_usd", message: "is required" },
    ]);
  });

  it("rateField keeps a non-negative decimal exactly as written; blank is absent", () => {
    const read = (v: string) => {
      const issues: ImportIssue[] = [];
      return [rateField(rowOf(`m,${v},`), "input_usd", issues), issues.map((i) => i.message)];
    };
    expect(read("2.50")).toEqual(["2.50", []]);
    expect(read("00012.0000000001")).toEqual(["00012.0000000001", []]);
    expect(read("0")).toEqual(["0", []]);
    expect(read("")).toEqual([undefined, []]);
    expect(read("-1")).toEqual([undefined, ["must not be negative"]]);
    for (const bad of ["1e3", ".5", "5.", "$2", "1 000", "NaN", "0x10"]) expect(read(bad)).toEqual([undefined, ["must be a number such as 2.50"]]);
  });

  it("effectiveFromField takes a real date (UTC midnight) or a time with a zone", () => {
    const read = (v: string) => {
      const issues: ImportIssue[] = [];
      return [effectiveFromField(rowOf(`m,1,${v}`), "effective_from", issues), issues.length];
    };
    expect(read("2026-01-01")).toEqual(["2026-01-01T00:00:00.000Z", 0]);
    expect(read("2028-02-29")).toEqual(["2028-02-29T00:00:00.000Z", 0]);
    expect(read("2026-03-01T12:00:00+02:00")).toEqual(["2026-03-01T10:00:00.000Z", 0]);
    expect(read("2026-03-01T12:00Z")).toEqual(["2026-03-01T12:00:00.000Z", 0]);
    expect(read("")).toEqual([undefined, 0]);
    for (const bad of ["2026-02-30", "2027-02-29", "2026-03-01T12:00", "2026-03-01T25:00Z", "01/03/2026", "2026-3-1", "now"]) {
      expect(read(bad)).toEqual([undefined, 1]);
    }
  });

  it("firstOfItsKind refuses a later row with the same key, naming the first", () => {
    const seen = new Map<string, number>();
    const issues: ImportIssue[] = [];
    const rows = readPriceFile(HEADER + "gpt,1,\nclaude,1,\ngpt,2,\n", SPEC).rows;
    expect(rows.map((r) => firstOfItsKind(seen, r.get("model"), r, "model and start", issues))).toEqual([true, true, false]);
    expect(issues).toEqual([{ row: 4, column: "(row)", message: "duplicates row 2 (same model and start)" }]);
  });

  it("schemaIssues reports the API schema's verdict under the CSV's column names", () => {
    const schema = z.object({ inputUsd: z.number({ error: "must be a number" }), model: z.string({ error: "must be text" }) });
    const issues: ImportIssue[] = [];
    schemaIssues(schema.safeParse({ inputUsd: "x", model: 1 }).error!, 7, { inputUsd: "input_usd" }, issues);
    schemaIssues(z.object({}).refine(() => false, "not this row").safeParse({}).error!, 8, {}, issues);
    expect(issues).toEqual([
      { row: 7, column: "input_usd", message: "must be a number" },
      { row: 7, column: "model", message: "must be text" },
      { row: 8, column: "(row)", message: "not this row" },
    ]);
  });

  it("byRow orders by row and keeps each row's own order", () => {
    const i = (row: number, message: string) => ({ row, column: "c", message });
    expect(byRow([i(3, "a"), i(2, "b"), i(3, "c"), i(1, "d")]).map((x) => x.message)).toEqual(["d", "b", "a", "c"]);
  });
});
