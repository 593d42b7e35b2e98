// The forecast of each quota of a tenant for its current period: a one-line verdict (forecast,
// interval, limit, predicted breach) above the forecast chart.
import { ForecastChart, formatInstant } from "~/components/charts/forecast-chart.tsx";
import { formatUsd, quotaLabel } from "~/components/format.ts";
import type { TenantForecast } from "~/services/tenant-analysis.server.ts";

export type ForecastCardData = TenantForecast;

export function ForecastVerdict({ f }: { f: ForecastCardData }) {
  const interval = `${formatUsd(f.lowUsd)} – ${formatUsd(f.highUsd)}`;
  return (
    <p className={f.breachAt ? "forecast-verdict forecast-verdict--breach" : "forecast-verdict"} data-testid="forecast-verdict">
      {f.breachAt ? (
        <strong>Limit of {formatUsd(f.limitUsd)} expected to be reached {formatInstant(f.breachAt)} UTC. </strong>
      ) : (
        <>Within the limit of {formatUsd(f.limitUsd)}. </>
      )}
      Forecast for the period: {formatUsd(f.forecastUsd)} (80% interval {interval}); {formatUsd(f.spentUsd)} spent when computed at{" "}
      {formatInstant(f.computedAt)} UTC.
    </p>
  );
}

export function ForecastCards({ forecasts, tenantName, emptyMessage }: { forecasts: ForecastCardData[]; tenantName: string; emptyMessage: string }) {
  if (forecasts.length === 0) {
    return (
      <div className="empty-state" role="status">
        <p>{emptyMessage}</p>
      </div>
    );
  }
  return (
    <ul className="forecast-cards">
      {forecasts.map((f) => {
        const label = quotaLabel(f);
        return (
          <li key={f.quotaId}>
            <article aria-label={`${label} forecast`} className="forecast-card">
              <h3>{label}</h3>
              <ForecastVerdict f={f} />
              <ForecastChart
                series={f}
                title={`${tenantName}: ${label} quota, spend to date and forecast to ${formatInstant(f.periodEnd, false)} with the 80% interval and the limit`}
              />
            </article>
          </li>
        );
      })}
    </ul>
  );
}
