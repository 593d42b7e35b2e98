// A tenant's quotas as the enforcement core sees them right now (tollgate().quotaStatus):
// utilization counts open holds as well as spend, because that is what the next reservation is
// checked against; the card shows spent, held and remaining separately, and when it resets.
import type { TenantQuotaCard } from "~/services/tenant-spend.server.ts";
import { formatPercent, formatUsd, quotaLabel } from "./format.ts";

// The loader's shape (money as exact decimal strings), defined once in the service.
export type QuotaCardData = TenantQuotaCard;

const resetFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

export function QuotaCard({ quota }: { quota: QuotaCardData }) {
  const pct = quota.utilizationPercent;
  const level = pct >= 100 ? "over" : pct >= 80 ? "warn" : "ok";
  const label = quotaLabel({ resource: quota.resourceType, period: quota.period });
  const resets = `${resetFormat.format(new Date(quota.resetsAt))} UTC`;
  return (
    <article className={`quota-card quota-meter quota-meter--${level}`} aria-label={`${label} quota`}>
      <div className="quota-meter__head">
        <h3 className="quota-meter__label">
          {label}
          {quota.enforcement === "soft" && <span className="badge">soft</span>}
        </h3>
        <span className="quota-meter__pct">{formatPercent(pct)}</span>
      </div>
      <div
        className="quota-meter__bar"
        role="meter"
        aria-label={`${label} utilization`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(100, pct)}
        aria-valuetext={`${formatPercent(pct)} used: ${formatUsd(quota.spentUsd)} spent and ${formatUsd(quota.reservedUsd)} held of ${formatUsd(quota.limitUsd)}`}
      >
        <span style={{ width: `${Math.min(100, pct)}%` }} />
      </div>
      <dl className="quota-card__figures">
        <div>
          <dt>Spent</dt>
          <dd data-usd={quota.spentUsd}>{formatUsd(quota.spentUsd)}</dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd data-usd={quota.reservedUsd}>{formatUsd(quota.reservedUsd)}</dd>
        </div>
        <div>
          <dt>Left</dt>
          <dd data-usd={quota.remainingUsd}>{formatUsd(quota.remainingUsd)}</dd>
        </div>
        <div>
          <dt>Limit</dt>
          <dd data-usd={quota.limitUsd}>{formatUsd(quota.limitUsd)}</dd>
        </div>
      </dl>
      <p className="quota-card__reset">
        Resets <time dateTime={quota.resetsAt}>{resets}</time>
      </p>
    </article>
  );
}

export function QuotaCards({ quotas, emptyMessage }: { quotas: QuotaCardData[]; emptyMessage: string }) {
  if (quotas.length === 0) return <p className="muted">{emptyMessage}</p>;
  return (
    <ul className="quota-cards">
      {quotas.map((q) => (
        <li key={q.quotaId}>
          <QuotaCard quota={q} />
        </li>
      ))}
    </ul>
  );
}
