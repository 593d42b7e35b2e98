// A quota's utilization, one component for every page that shows quotas: the label with its
// badges, the percent, and a bar that turns amber at 80% and red at the limit. The overview
// shows its platform quotas as compact meters (spent of limit, from the rollups); the tenant
// page shows the tenant's quotas as the enforcement core sees them now, as cards that also give
// held, left and the reset time (their utilization counts open holds, because that is what the
// next reservation is checked against).
import type { QuotaDenials } from "~/services/denials.page.server.ts";
import type { QuotaUtilization } from "~/services/spend.page.server.ts";
import type { TenantQuotaCard } from "~/services/spend.tenant.page.server.ts";
import { formatPercent, formatUsd, quotaLabel } from "./format.ts";

/**
 * The loaders' shapes (money as exact decimal strings), defined once in their services; `denied`
 * (ADR 0014): the requests the quota refused today and this period, when the page shows them.
 */
export type QuotaMeterData = (QuotaUtilization | TenantQuotaCard) & { denied?: QuotaDenials };

/** "Denied today: 3 ($4.50)" — or "none" — with this period's count. */
function DeniedLine({ denied, label }: { denied: QuotaDenials; label: string }) {
  const { today, period } = denied;
  return (
    <p className="quota-card__denied" data-testid="quota-denied" data-quota={label} data-count={today.count} data-usd={today.usd}>
      Denied today:{" "}
      <strong>{today.count === 0 ? "none" : `${today.count.toLocaleString("en-US")} (${formatUsd(today.usd)})`}</strong>
      {period.count > 0 && (
        <span className="muted">
          {" "}
          · {period.count.toLocaleString("en-US")} this period ({formatUsd(period.usd)})
        </span>
      )}
    </p>
  );
}

const isCard = (q: QuotaMeterData): q is TenantQuotaCard => "resetsAt" in q;

const resetFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

export function QuotaMeter({ quota }: { quota: QuotaMeterData }) {
  const pct = quota.utilizationPercent;
  const level = pct >= 100 ? "over" : pct >= 80 ? "warn" : "ok";
  const enabled = isCard(quota) || quota.enabled;
  const label = quotaLabel(quota);
  const card = isCard(quota);
  const Label = card ? "h3" : "span";
  const head = (
    <>
      <div className="quota-meter__head">
        <Label className="quota-meter__label">
          {label}
          {quota.enforcement === "soft" && <span className="badge">soft</span>}
          {!enabled && <span className="badge">disabled</span>}
        </Label>
        <span className="quota-meter__pct">{formatPercent(pct)}</span>
      </div>
      <div
        className="quota-meter__bar"
        role="meter"
        aria-label={`${label} utilization`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(100, pct)}
        aria-valuetext={
          card
            ? `${formatPercent(pct)} used: ${formatUsd(quota.spentUsd)} spent and ${formatUsd(quota.reservedUsd)} held of ${formatUsd(quota.limitUsd)}`
            : `${formatPercent(pct)} used: ${formatUsd(quota.spentUsd)} of ${formatUsd(quota.limitUsd)}`
        }
      >
        <span style={{ width: `${Math.min(100, pct)}%` }} />
      </div>
    </>
  );
  const className = `quota-meter quota-meter--${level}${enabled ? "" : " is-disabled"}`;
  if (!isCard(quota)) {
    return (
      <div className={className}>
        {head}
        <div className="quota-meter__foot">
          <span>
            {formatUsd(quota.spentUsd)} of {formatUsd(quota.limitUsd)}
          </span>
          {Number(quota.reservedUsd) > 0 && <span>{formatUsd(quota.reservedUsd)} held</span>}
        </div>
        {quota.denied && <DeniedLine denied={quota.denied} label={label} />}
      </div>
    );
  }
  const figures = [
    ["Spent", quota.spentUsd],
    ["Held", quota.reservedUsd],
    ["Left", quota.remainingUsd],
    ["Limit", quota.limitUsd],
  ] as const;
  return (
    <article className={`quota-card ${className}`} aria-label={`${label} quota`}>
      {head}
      <dl className="quota-card__figures">
        {figures.map(([term, usd]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd data-usd={usd}>{formatUsd(usd)}</dd>
          </div>
        ))}
      </dl>
      {quota.denied && <DeniedLine denied={quota.denied} label={label} />}
      <p className="quota-card__reset">
        Resets <time dateTime={quota.resetsAt}>{`${resetFormat.format(new Date(quota.resetsAt))} UTC`}</time>
      </p>
    </article>
  );
}

/** Meters in a column, or (when the quotas carry reset times) a grid of cards. */
export function QuotaList({ quotas, emptyMessage }: { quotas: QuotaMeterData[]; emptyMessage: string }) {
  if (quotas.length === 0) return <p className="muted">{emptyMessage}</p>;
  return (
    <ul className={quotas.every(isCard) ? "quota-cards" : "quota-list"}>
      {quotas.map((q) => (
        <li key={q.id}>
          <QuotaMeter quota={q} />
        </li>
      ))}
    </ul>
  );
}
