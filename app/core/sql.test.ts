// The statement builder: parameters numbered by name, and every statement of the decision path
// bound from its value builders with no name missing or left over.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { costValues } from "./cost-records.ts";
import { createdValues } from "./decide-batch.ts";
import { denialValues } from "./denials.ts";
import { leaseValues } from "./leases.ts";
import { bind, call, statement } from "./sql.ts";
import * as S from "./statements.ts";
import { needValues, usageValues } from "./usage-rows.ts";

describe("statement()", () => {
  it("numbers parameters in order of first use and reuses a repeated name's number", () => {
    const s = statement("t", (p) => `SELECT ${p("a", "int")}, ${p("b", "text[]")}, ${p("a", "int")}`);
    expect(s).toEqual({ name: "t", text: "SELECT $1::int, $2::text[], $1::int", params: ["a", "b"] });
    expect(bind(s, { b: ["x"], a: 7 })).toEqual([7, ["x"]]);
  });

  it("refuses one name with two types, a missing value and an unknown one", () => {
    expect(() => statement("t", (p) => `${p("a", "int")} ${p("a", "text")}`)).toThrow("parameter a used as int and text");
    const s = statement("t", (p) => `SELECT ${p("a", "int")}`);
    expect(() => bind(s, {})).toThrow("statement t: missing parameter a");
    expect(() => bind(s, { a: 1, z: 2 })).toThrow("statement t: no parameter z");
  });

  it("undefined binds as NULL; unnamed calls carry no name", () => {
    const s = statement("t", (p) => `SELECT ${p("a", "int")}`);
    expect(call(s, { a: undefined })).toEqual({ name: "t", text: "SELECT $1::int", values: [null] });
    expect(call(s, { a: 1 }, "unnamed")).toEqual({ text: "SELECT $1::int", values: [1] });
  });
});

describe("the decision path's statements", () => {
  const need = { tenantId: "00000000-0000-4000-8000-000000000001", userId: null, resource: "llm" as const, at: new Date("2026-12-02T10:00:00Z") };
  const empty = { ...usageValues([]), ...leaseValues({ updates: [], grants: [] }), ...costValues([], []) };
  const lock = { ...needValues([need]), also_ids: [], skip_ids: [] };

  it("bind exactly the values their builders make (a renamed parameter fails here, not in production)", () => {
    expect(bind(S.ENSURE_USAGE, needValues([need]))).toHaveLength(9);
    expect(bind(S.READ_USAGE, lock)).toHaveLength(11);
    expect(bind(S.LOCK_USAGE, lock)).toHaveLength(11);
    expect(bind(S.LOCK_LEASES, { ...lock, lease_ids: [] })).toHaveLength(12);
    // usage deltas 6 (with the denial counts), lease updates 6 and grants 5, rollups 13, settled ids 1, cost columns 25
    expect(bind(S.WRITE_COSTS, empty)).toHaveLength(6 + 11 + 13 + 1 + 25);
    // … and the new reservations' 20 columns and the clock
    expect(bind(S.BATCH_WRITE, { ...empty, ...createdValues([], new Date()) })).toHaveLength(6 + 11 + 13 + 1 + 25 + 20 + 1);
    expect(bind(S.DROP_HOLDS, { ...usageValues([]), ...leaseValues({ updates: [], grants: [] }), ids: [], status: "released" })).toHaveLength(6 + 11 + 2);
    expect(bind(S.BATCH_HOLD, { settle_ids: [] })).toEqual([[]]);
    expect(bind(S.BATCH_SEEN, { seen_tenant: [], seen_key: [] })).toEqual([[], []]);
    // counted denials: 6 arrays, the key kind and the clock
    expect(bind(S.WRITE_DENIALS, denialValues([], "reserve", new Date()))).toHaveLength(8);
    expect(bind(S.DENIED_BEFORE, { tenant_id: need.tenantId, kind: "record", key: "k", usage_id: need.tenantId })).toHaveLength(4);
    expect(bind(S.FORGET_DENIED_KEYS, { before: new Date(), limit: 10 })).toHaveLength(2);
  });

  it("period bounds of a need: day, week (Monday) and month, start and end", () => {
    const v = needValues([need]);
    expect(v).toEqual({
      need_resource: ["llm"],
      need_tenant: [need.tenantId],
      need_user: [null],
      day_start: [new Date("2026-12-02T00:00:00Z")],
      day_end: [new Date("2026-12-03T00:00:00Z")],
      week_start: [new Date("2026-11-30T00:00:00Z")],
      week_end: [new Date("2026-12-07T00:00:00Z")],
      month_start: [new Date("2026-12-01T00:00:00Z")],
      month_end: [new Date("2027-01-01T00:00:00Z")],
    });
  });

  it("have distinct names", () => {
    const names = Object.values(S).flatMap((v) => (typeof v === "object" && v && "name" in v ? [(v as { name: string }).name] : []));
    expect(new Set(names).size).toBe(names.length);
    // 13, plus the ensures split by kind of row (ADR 0016): shared rows, and per-user default rows.
    expect(names.length).toBe(15);
    expect(names).toEqual(expect.arrayContaining(["tollgate_ensure_usage", "tollgate_ensure_shared_usage", "tollgate_ensure_user_usage"]));
  });
});

describe("statement() numbering, for any use of names", () => {
  it("each name gets the number of its first use, params list names in that order, and bind maps values back to them", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { minLength: 1, maxLength: 20 }), (uses) => {
        const s = statement("t", (p) => uses.map((k) => p(k, "int")).join(", "));
        const firstUse = [...new Set(uses)];
        expect(s.params).toEqual(firstUse);
        expect(s.text).toBe(uses.map((k) => `$${firstUse.indexOf(k) + 1}::int`).join(", "));
        const values = Object.fromEntries(firstUse.map((k) => [k, `value of ${k}`]));
        expect(bind(s, values)).toEqual(firstUse.map((k) => `value of ${k}`));
      }),
      { numRuns: 200 },
    );
  });
});
