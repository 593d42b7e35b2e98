// Display formatting shared by every page. Money arrives from loaders as exact decimal strings
// and is rounded only here, for display, so totals shown on a page are the database's totals.
import Decimal from "decimal.js";

const Display = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

/** "1234.5600000000" → "$1,234.56"; tiny non-zero amounts show as "<$0.01" rather than "$0.00". */
export function formatUsd(value: string | number): string {
  const d = new Display(value);
  if (!d.isZero() && d.abs().lt("0.005")) return d.isNeg() ? "-<$0.01" : "<$0.01";
  const [whole, cents] = d.abs().toFixed(2).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${d.isNeg() ? "-" : ""}$${grouped}.${cents}`;
}

/** Axis labels: "$950", "$1.2k", "$3.4M". */
export function formatUsdCompact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1_000_000) return `$${(value / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
  if (abs >= 1_000) return `$${(value / 1_000).toFixed(1).replace(/\.0$/, "")}k`;
  return `$${value.toFixed(abs < 10 && abs > 0 ? 2 : 0)}`;
}

export function formatPercent(value: number): string {
  return `${value.toFixed(1)}%`;
}

/** A money string as a number, for charts only (recharts needs numbers; 6 decimals suffice). */
export function usdNumber(value: string): number {
  return Number(new Display(value).toDecimalPlaces(6).toString());
}

/** "2026-11-03" → "Nov 3" (the date is a UTC calendar day, so format it in UTC). */
export function formatDay(isoDay: string, opts: Intl.DateTimeFormatOptions = { month: "short", day: "numeric" }): string {
  return new Intl.DateTimeFormat("en-US", { ...opts, timeZone: "UTC" }).format(new Date(`${isoDay}T00:00:00Z`));
}

const PERIOD_LABEL = { day: "Daily", week: "Weekly", month: "Monthly" } as const;
const RESOURCE_LABEL = { llm: "LLM", sandbox: "Sandbox", all: "All resources" } as const;

export function quotaLabel(q: { resource: keyof typeof RESOURCE_LABEL; period: keyof typeof PERIOD_LABEL }): string {
  return `${RESOURCE_LABEL[q.resource]} · ${PERIOD_LABEL[q.period].toLowerCase()}`;
}

export const ROLE_LABEL = {
  admin: "Admin",
  finance: "Finance",
  ops: "Ops",
  tenant_admin: "Tenant admin",
} as const;

/** "2026-11-23T10:04:00.000Z" → "Nov 23, 2026, 10:04 UTC"; null → the fallback. */
export function formatTime(iso: string | null, fallback = "—"): string {
  if (!iso) return fallback;
  return `${new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC", hourCycle: "h23" }).format(new Date(iso))} UTC`;
}
