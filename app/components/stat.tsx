// A headline figure. `usd` is the exact decimal string; it is also exposed as data-usd so
// end-to-end tests can compare the page with the database without parsing display text.
import type { ReactNode } from "react";
import { formatUsd } from "./format.ts";

export function MoneyStat({ label, usd, testId, hint }: { label: string; usd: string; testId?: string; hint?: ReactNode }) {
  return (
    <div className="stat">
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value" data-testid={testId} data-usd={usd}>
        {formatUsd(usd)}
      </dd>
      {hint && <dd className="stat__hint">{hint}</dd>}
    </div>
  );
}

export function StatGrid({ children, label }: { children: ReactNode; label: string }) {
  return (
    <dl className="stat-grid" aria-label={label}>
      {children}
    </dl>
  );
}

/** Requests refused today (ADR 0014): how many, and the estimate they asked for. */
export function DeniedTodayStat({ today: { count, usd }, testId, hint }: { today: { count: number; usd: string }; testId?: string; hint?: ReactNode }) {
  return (
    <div className="stat">
      <dt className="stat__label">Denied today</dt>
      <dd className="stat__value" data-testid={testId} data-count={count} data-usd={usd}>
        {count === 0 ? "None" : `${count.toLocaleString("en-US")} · ${formatUsd(usd)}`}
      </dd>
      {hint && <dd className="stat__hint">{hint}</dd>}
    </div>
  );
}
