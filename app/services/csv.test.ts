import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv.ts";

describe("parseCsv", () => {
  it("reads quoted fields with commas, doubled quotes and CRLF line ends", () => {
    expect(parseCsv('a,"b, c","say ""hi"""\r\n1,,3\n')).toEqual([
      ["a", "b, c", 'say "hi"'],
      ["1", "", "3"],
    ]);
  });

  it("keeps line breaks inside quotes and a last line without a line end", () => {
    expect(parseCsv('note\n"two\nlines"\nlast')).toEqual([["note"], ["two\nlines"], ["last"]]);
  });

  it("treats a quote inside an unquoted field as text", () => {
    expect(parseCsv('5" screen,x\n')).toEqual([['5" screen', "x"]]);
  });
});
