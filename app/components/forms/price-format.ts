// Shared by the pricing pages: how rates and start times are shown.

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

