// The forecast of each quota of a tenant for its current period: a one-line verdict (forecast,
// interval, limit, predicted breach) above the forecast chart.
import { ForecastChart, formatInstant } from "~/components/charts/forecast-chart.tsx";
import { formatUsd, quotaLabel } from "~/components/format.ts";
import type { TenantForecast } from "~/services/forecasts.page.server.ts";

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

/**
 * How the rate behind the forecast was drawn: from which day, the days left out (flagged
 * anomalies: their excess is not projected onto the rest of the period) and why, a level shift,
 * too little history. Forecasts stored before the analysis recorded this say nothing.
 */
export function RateNote({ f }: { f: ForecastCardData }) {
  const b = f.rateBasis;
  if (!b.rateFrom) return null;
  const day = (d: string) => formatInstant(`${d}T00:00:00Z`, false);
  const excluded = b.excluded ?? [];
  return (
    <p className="forecast-rate-note muted" data-testid="forecast-rate-note">
      Rate from the days since {day(b.rateFrom)}, by weekday
      {b.newLevelFrom ? <>; spend moved to a new level on {day(b.newLevelFrom)}, so the rate starts there</> : null}.{" "}
      {excluded.length > 0 && (
        <>
          Left out of the rate:{" "}
          {excluded.map((e, i) => (
            <span key={e.day} data-testid="forecast-excluded-day">
              {i > 0 ? ", " : ""}
              {day(e.day)} ({formatUsd(e.actualUsd)}, about {formatUsd(e.expectedUsd)} expected)
            </span>
          ))}{" "}
          — flagged as {excluded.length === 1 ? "an anomaly" : "anomalies"}, so {excluded.length === 1 ? "its" : "their"} excess is
          counted in the spend so far but not projected onto the rest of the period.{" "}
        </>
      )}
      {b.shortHistory && <strong>Not enough history yet: under two weeks of spend, so the interval is wide.</strong>}
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
              <RateNote f={f} />
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
