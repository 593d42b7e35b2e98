// Shared by the pricing pages: who may see them and how rates and start times are shown.
import type { Role } from "~/services/auth.server.ts";

/** SPEC §6: pricing is finance's (and admin's); ops and tenant admins get 404. */
export const PRICING_ROLES = ["admin", "finance"] as const satisfies readonly Role[];

/** Rates keep their precision (a per-second rate of 0.0001 must not show as $0.00). */
export function formatRate(v: number): string {
  return `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 10 })}`;
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const date = d.toISOString().slice(0, 10);
  const time = d.toISOString().slice(11, 16);
  return time === "00:00" ? date : `${date} ${time} UTC`;
}

/** SPEC §6: quotas are for all staff; tenant admins use /t/<slug>/quotas. */
export const QUOTA_ROLES = ["admin", "finance", "ops"] as const satisfies readonly Role[];
