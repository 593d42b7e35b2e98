// Money is exact: decimal.js with enough precision for NUMERIC(24,10) products and sums,
// rounded half-even to 10 places only where a value is stored, and to 6 places in JSON.
import DecimalJs from "decimal.js";

export const Money = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Money = InstanceType<typeof Money>;
export type MoneyInput = Money | string | number;

export const ZERO = new Money(0);

export function money(v: MoneyInput | { toString(): string }): Money {
  return v instanceof Money ? v : new Money(typeof v === "number" ? v : v.toString());
}

/** The stored form: NUMERIC(24,10) as a string, e.g. "0.0015425000". */
export function toDb(v: Money): string {
  return v.toDecimalPlaces(10).toFixed(10);
}

/** The JSON form (SPEC §3): a number rounded to 6 decimals. */
export function toJson(v: Money | string): number {
  return Number(money(v).toDecimalPlaces(6).toFixed(6));
}
