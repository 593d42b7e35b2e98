// One quota's period: the actual cumulative spend so far, the forecast line from now to the
// period end with its 80% interval as a band, the limit as a horizontal line and, when the
// forecast crosses the limit, a marker at the predicted breach time. The x axis is real time
// (ms), so a daily, weekly and monthly quota all use the same chart.
import type { ForecastSeries } from "~/services/forecasts.page.server.ts";
import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceArea, ReferenceDot, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd, formatUsdCompact, usdNumber } from "../format.ts";
import { ChartFrame } from "./chart-parts.tsx";
import { AXIS_TICK, FORECAST_COLORS, GRID_STROKE } from "./theme.ts";

export type { ForecastSeries };

const HEIGHT = 260;

/** "Nov 23, 14:00" in UTC. */
export function formatInstant(iso: string, withTime = true): string {
  return new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
    timeZone: "UTC",
  }).format(new Date(iso));
}

interface Point {
  t: number;
  actual?: number;
  forecast?: number;
  band?: [number, number];
}

function chartPoints(s: ForecastSeries): Point[] {
  const now = Date.parse(s.computedAt);
  const end = Date.parse(s.periodEnd);
  const points: Point[] = [{ t: Date.parse(s.periodStart), actual: 0 }];
  for (const a of s.actual) {
    const t = Math.min(Date.parse(a.at), now);
    if (t > points[points.length - 1].t) points.push({ t, actual: usdNumber(a.cumulativeUsd) });
  }
  const spent = usdNumber(s.spentUsd);
  // The forecast and its band start where the actual line stops, so the three join up.
  const last = points[points.length - 1];
  if (last.t < now) points.push({ t: now, actual: spent, forecast: spent, band: [spent, spent] });
  else Object.assign(last, { actual: spent, forecast: spent, band: [spent, spent] });
  if (end > now) points.push({ t: end, forecast: usdNumber(s.forecastUsd), band: [usdNumber(s.lowUsd), usdNumber(s.highUsd)] });
  return points;
}

const DAY_MS = 86_400_000;

/** Days of the period left out of the forecast rate (flagged anomalies), as [start, end) ms. */
function excludedInPeriod(s: ForecastSeries): { day: string; from: number; to: number; actualUsd: number; expectedUsd: number }[] {
  const start = Date.parse(s.periodStart);
  const end = Date.parse(s.periodEnd);
  return (s.rateBasis.excluded ?? [])
    .map((e) => ({ ...e, from: Date.parse(`${e.day}T00:00:00Z`), to: Date.parse(`${e.day}T00:00:00Z`) + DAY_MS }))
    .filter((e) => e.from >= start && e.from < end);
}

export function ForecastChart({ series: s, title }: { series: ForecastSeries; title: string }) {
  const excluded = excludedInPeriod(s);
  const points = chartPoints(s);
  const limit = usdNumber(s.limitUsd);
  const top = Math.max(limit, usdNumber(s.highUsd), usdNumber(s.spentUsd)) * 1.08;
  const breach = s.breachAt ? Date.parse(s.breachAt) : null;
  const domain: [number, number] = [Date.parse(s.periodStart), Date.parse(s.periodEnd)];

  return (
    <ChartFrame
      title={title}
      height={HEIGHT}
      figure={{ "data-testid": "forecast-chart", "data-breach": s.breachAt ?? "", "data-excluded": excluded.map((e) => e.day).join(" ") }}
      table={{
        columns: [{ label: "Time (UTC)" }, { label: "Spend to date", numeric: true }, { label: "Forecast (80% interval)", numeric: true }],
        rows: [
          ...s.actual.map((a) => ({ key: a.at, cells: [formatInstant(a.at), formatUsd(a.cumulativeUsd), "—"] })),
          { key: "now", cells: [`${formatInstant(s.computedAt)} (computed)`, formatUsd(s.spentUsd), "—"] },
          {
            key: "end",
            cells: [
              `${formatInstant(s.periodEnd)} (period end)`,
              "—",
              `${formatUsd(s.forecastUsd)} (${formatUsd(s.lowUsd)} – ${formatUsd(s.highUsd)})`,
            ],
          },
          ...excluded.map((e) => ({
            key: `excluded-${e.day}`,
            cells: [`${formatInstant(new Date(e.from).toISOString(), false)} (left out of the rate: anomaly)`, formatUsd(e.actualUsd), `expected about ${formatUsd(e.expectedUsd)}`],
          })),
          { key: "limit", cells: ["Limit", formatUsd(s.limitUsd), "—"] },
          { key: "breach", cells: ["Predicted breach", "—", s.breachAt ? `${formatInstant(s.breachAt)} UTC` : "none before the period ends"] },
        ],
      }}
    >
      <ComposedChart data={points} margin={{ top: 16, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={domain}
          tick={AXIS_TICK}
          tickFormatter={(t: number) => formatInstant(new Date(t).toISOString(), false)}
          minTickGap={24}
        />
        <YAxis tick={AXIS_TICK} tickFormatter={formatUsdCompact} width={56} domain={[0, top]} />
        <Tooltip
          labelFormatter={(t) => `${formatInstant(new Date(Number(t)).toISOString())} UTC`}
          formatter={(value) => (Array.isArray(value) ? value.map((v) => formatUsd(Number(v))).join(" – ") : formatUsd(Number(value)))}
        />
        <Legend />
        {excluded.map((e) => (
          <ReferenceArea
            key={e.day}
            className="forecast-excluded"
            x1={e.from}
            x2={e.to}
            fill={FORECAST_COLORS.breach}
            fillOpacity={0.15}
            stroke="none"
            label={{ value: "left out", position: "insideTop", fill: FORECAST_COLORS.breach, fontSize: 11 }}
          />
        ))}
        <Area dataKey="band" name="80% interval" stroke="none" fill={FORECAST_COLORS.band} fillOpacity={0.35} isAnimationActive={false} />
        <Line dataKey="actual" name="Spend to date" stroke={FORECAST_COLORS.actual} strokeWidth={2} dot={false} isAnimationActive={false} />
        <Line
          dataKey="forecast"
          name="Forecast"
          stroke={FORECAST_COLORS.forecast}
          strokeWidth={2}
          strokeDasharray="6 4"
          dot={false}
          isAnimationActive={false}
        />
        <ReferenceLine
          className="forecast-limit"
          y={limit}
          stroke={FORECAST_COLORS.limit}
          strokeWidth={1.5}
          label={{ value: `Limit ${formatUsd(s.limitUsd)}`, position: "insideTopLeft", fill: FORECAST_COLORS.limit, fontSize: 12 }}
        />
        {breach !== null && (
          <ReferenceLine className="forecast-breach" x={breach} stroke={FORECAST_COLORS.breach} strokeDasharray="3 3" />
        )}
        {breach !== null && (
          <ReferenceDot
            className="forecast-breach-dot"
            x={breach}
            y={limit}
            r={6}
            fill={FORECAST_COLORS.breach}
            stroke="#fff"
            label={{ value: `Breach ${formatInstant(s.breachAt!, false)}`, position: "top", fill: FORECAST_COLORS.breach, fontSize: 12 }}
          />
        )}
      </ComposedChart>
    </ChartFrame>
  );
}
