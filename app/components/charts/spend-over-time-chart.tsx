// Spend per day or ISO week, stacked by resource (LLM, sandbox). Like every chart here it
// renders after hydration (recharts measures the DOM), and the same numbers are available as a
// table for screen-reader and keyboard users. Anomaly findings can be marked on it: a labelled
// dot on top of the bucket's bar, and the same finding in the table view.
import { Bar, BarChart, CartesianGrid, Legend, ReferenceDot, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay, formatUsd, formatUsdCompact, usdNumber } from "../format.ts";
import { ChartFrame, dayLabel } from "./chart-parts.tsx";
import { ANOMALY_COLORS, AXIS_TICK, GRID_STROKE, RESOURCE_COLORS } from "./theme.ts";

export interface SpendBucketPoint {
  /** First day of the bucket, YYYY-MM-DD (UTC). */
  start: string;
  llmUsd: string;
  sandboxUsd: string;
}

/** An anomaly finding to mark on the timeline, in the bucket that contains its day. */
export interface SpendMarker {
  id: string;
  /** The finding's day, YYYY-MM-DD (UTC). */
  day: string;
  /** 0–23 for a same-day hourly spike, null for a daily anomaly. */
  hour: number | null;
  resource: "llm" | "sandbox" | "all";
  severity: string;
  actualUsd: string;
  expectedUsd: string;
}

const HEIGHT = 300;
const RESOURCE_NAME = { llm: "LLM", sandbox: "Sandbox", all: "All" } as const;

/** The bucket (day, or Monday of the ISO week) a day falls in. */
function bucketOf(day: string, grain: "day" | "week"): string {
  if (grain === "day") return day;
  const ms = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - weekday * 86_400_000).toISOString().slice(0, 10);
}

export function markerLabel(m: SpendMarker): string {
  const when = m.hour === null ? "day" : `${String(m.hour).padStart(2, "0")}:00 hour`;
  return `${RESOURCE_NAME[m.resource]} ${when}: ${formatUsd(m.actualUsd)} vs ${formatUsd(m.expectedUsd)} expected (${m.severity})`;
}

export function SpendOverTimeChart({
  data,
  grain,
  title,
  markers = [],
}: {
  data: SpendBucketPoint[];
  grain: "day" | "week";
  title: string;
  markers?: SpendMarker[];
}) {
  const points = data.map((d) => ({ start: d.start, llm: usdNumber(d.llmUsd), sandbox: usdNumber(d.sandboxUsd) }));
  const totals = new Map(points.map((p) => [p.start, p.llm + p.sandbox]));
  // Markers outside the chart's range are dropped; several in one bucket share one dot.
  const markersByBucket = new Map<string, SpendMarker[]>();
  for (const m of markers) {
    const b = bucketOf(m.day, grain);
    if (totals.has(b)) markersByBucket.set(b, [...(markersByBucket.get(b) ?? []), m]);
  }
  const tick = (d: string) => (grain === "week" ? `Wk ${formatDay(d)}` : formatDay(d));
  const fullLabel = (d: string) => `${grain === "week" ? "Week of " : ""}${dayLabel(d)}`;

  return (
    <ChartFrame
      title={title}
      height={HEIGHT}
      canvasTestId="spend-over-time"
      table={{
        columns: [
          { label: grain === "week" ? "Week of (UTC)" : "Day (UTC)" },
          { label: "LLM", numeric: true },
          { label: "Sandbox", numeric: true },
          ...(markers.length ? [{ label: "Anomalies" }] : []),
        ],
        rows: data.map((d) => ({
          key: d.start,
          cells: [
            d.start,
            formatUsd(d.llmUsd),
            formatUsd(d.sandboxUsd),
            ...(markers.length ? [(markersByBucket.get(d.start) ?? []).map(markerLabel).join("; ") || "—"] : []),
          ],
        })),
      }}
    >
      <BarChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis dataKey="start" tick={AXIS_TICK} tickFormatter={tick} minTickGap={16} />
        <YAxis tick={AXIS_TICK} tickFormatter={formatUsdCompact} width={56} />
        <Tooltip labelFormatter={(d) => fullLabel(String(d))} formatter={(value) => formatUsd(Number(value))} />
        <Legend />
        <Bar dataKey="llm" name="LLM" stackId="spend" fill={RESOURCE_COLORS.llm} isAnimationActive={false} />
        <Bar dataKey="sandbox" name="Sandbox" stackId="spend" fill={RESOURCE_COLORS.sandbox} isAnimationActive={false} />
        {[...markersByBucket].map(([bucket, ms]) => (
          <ReferenceDot
            key={bucket}
            className="anomaly-marker"
            x={bucket}
            y={totals.get(bucket)}
            r={6}
            fill={ANOMALY_COLORS[ms[0].severity] ?? ANOMALY_COLORS.high}
            stroke="#fff"
            strokeWidth={1.5}
            label={{ value: ms.length > 1 ? `! ×${ms.length}` : "!", position: "top", fill: ANOMALY_COLORS.high, fontSize: 12 }}
          />
        ))}
      </BarChart>
    </ChartFrame>
  );
}
