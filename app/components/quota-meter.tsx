// A quota's utilization: spent of limit, percent, and a bar that turns amber at the first
// warning level and red at the limit.
import { formatPercent, formatUsd, quotaLabel } from "./format.ts";

export interface QuotaMeterData {
  id: string;
  resource: "llm" | "sandbox" | "all";
  period: "day" | "week" | "month";
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
  utilizationPercent: number;
  enforcement: "hard" | "soft";
  enabled: boolean;
}

export function QuotaMeter({ quota }: { quota: QuotaMeterData }) {
  const pct = quota.utilizationPercent;
  const level = pct >= 100 ? "over" : pct >= 80 ? "warn" : "ok";
  const label = quotaLabel(quota);
  return (
    <div className={`quota-meter quota-meter--${level}${quota.enabled ? "" : " is-disabled"}`}>
      <div className="quota-meter__head">
        <span className="quota-meter__label">
          {label}
          {quota.enforcement === "soft" && <span className="badge">soft</span>}
          {!quota.enabled && <span className="badge">disabled</span>}
        </span>
        <span className="quota-meter__pct">{formatPercent(pct)}</span>
      </div>
      <div
        className="quota-meter__bar"
        role="meter"
        aria-label={`${label} utilization`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(100, pct)}
        aria-valuetext={`${formatPercent(pct)} used: ${formatUsd(quota.spentUsd)} of ${formatUsd(quota.limitUsd)}`}
      >
        <span style={{ width: `${Math.min(100, pct)}%` }} />
      </div>
      <div className="quota-meter__foot">
        <span>
          {formatUsd(quota.spentUsd)} of {formatUsd(quota.limitUsd)}
        </span>
        {Number(quota.reservedUsd) > 0 && <span>{formatUsd(quota.reservedUsd)} held</span>}
      </div>
    </div>
  );
}

export function QuotaList({ quotas, emptyMessage }: { quotas: QuotaMeterData[]; emptyMessage: string }) {
  if (quotas.length === 0) return <p className="muted">{emptyMessage}</p>;
  return (
    <ul className="quota-list">
      {quotas.map((q) => (
        <li key={q.id}>
          <QuotaMeter quota={q} />
        </li>
      ))}
    </ul>
  );
}
