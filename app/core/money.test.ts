// Money is decimal end to end: a float anywhere in the ledger path would drift by fractions of
// a cent per request, and stored values must be exactly what NUMERIC(24,10) keeps.
import { describe, expect, it } from "vitest";
import { money, Money, toDb, toJson, ZERO } from "./money.ts";

describe("money()", () => {
  it("0.1 + 0.2 is exactly 0.3 (and ten dimes are exactly one dollar)", () => {
    expect(money(0.1).add(money(0.2)).eq(money("0.3"))).toBe(true);
    expect(toDb(money(0.1).add(0.2))).toBe("0.3000000000");
    let sum = ZERO;
    for (let i = 0; i < 10; i++) sum = sum.add(money("0.1"));
    expect(sum.toString()).toBe("1");
  });

  it("takes strings, numbers, Money (the same instance) and any decimal with toString (Prisma.Decimal)", () => {
    const m = new Money("1.5");
    expect(money(m)).toBe(m);
    expect(money("0.0015425").toString()).toBe("0.0015425");
    expect(money(2.5).toString()).toBe("2.5");
    expect(money({ toString: () => "12.3400000000" }).toString()).toBe("12.34");
    // A float is taken at its shortest round-trip text, not its binary expansion.
    expect(money(0.1 + 0.2).toString()).toBe("0.30000000000000004");
  });

  it("keeps 50 significant digits: a third times three stores as exactly 1", () => {
    expect(toDb(money(1).div(3))).toBe("0.3333333333");
    expect(toDb(money(2).div(3))).toBe("0.6666666667");
    expect(toDb(money(1).div(3).mul(3))).toBe("1.0000000000");
  });
});

describe("toDb (NUMERIC(24,10) text)", () => {
  it("always ten places, never exponent notation", () => {
    expect(toDb(money("0.0015425"))).toBe("0.0015425000");
    expect(toDb(money(5))).toBe("5.0000000000");
    expect(toDb(money("-0.5"))).toBe("-0.5000000000");
    expect(toDb(money(1e-7))).toBe("0.0000001000");
    expect(toDb(money(1e21))).toBe("1000000000000000000000.0000000000");
  });

  it("huge and tiny values: the largest storable value is kept digit for digit; below 1e-10 rounds to zero", () => {
    expect(toDb(money("99999999999999.9999999999"))).toBe("99999999999999.9999999999");
    expect(toDb(money("123456789012345678901234567890.123456789012345"))).toBe("123456789012345678901234567890.1234567890");
    expect(toDb(money("1e-20"))).toBe("0.0000000000");
    // A negative amount that rounds to zero is written without a sign.
    expect(toDb(money("-0.00000000001"))).toBe("0.0000000000");
  });

  it("rounds half to even at the tenth place (banker's rounding, no upward drift over many rows)", () => {
    expect(toDb(money("0.00000000005"))).toBe("0.0000000000");
    expect(toDb(money("0.00000000015"))).toBe("0.0000000002");
    expect(toDb(money("0.00000000025"))).toBe("0.0000000002");
    expect(toDb(money("0.000000000251"))).toBe("0.0000000003");
  });
});

describe("toJson (SPEC §3: a number, 6 decimals)", () => {
  it("rounds half to even at the sixth place", () => {
    expect(toJson(money("1.23456789"))).toBe(1.234568);
    expect(toJson("0.0000015")).toBe(0.000002);
    expect(toJson("0.0000025")).toBe(0.000002);
    expect(toJson("0.0000005")).toBe(0);
    expect(toJson(money(1e-7))).toBe(0);
    expect(toJson("0.0015425000")).toBe(0.001542); // the tie goes to the even 2
    expect(toJson("0.0015435000")).toBe(0.001544);
  });

  it("large amounts keep their cents", () => {
    expect(toJson("12345678901234.5678905")).toBe(12345678901234.568);
    expect(toJson("99999999.99")).toBe(99999999.99);
  });
});
