// Spend per day or ISO week, stacked by resource (LLM, sandbox). Like every chart here it
// renders after hydration (recharts measures the DOM), and the same numbers are available as a
// table for screen-reader and keyboard users.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay, formatUsd, formatUsdCompact, usdNumber } from "../format.ts";
import { ChartDataTable, useHydrated } from "./chart-parts.tsx";
import { AXIS_TICK, GRID_STROKE, RESOURCE_COLORS } from "./theme.ts";

export interface SpendBucketPoint {
  /** First day of the bucket, YYYY-MM-DD (UTC). */
  start: string;
  llmUsd: string;
  sandboxUsd: string;
}

const HEIGHT = 300;

export function SpendOverTimeChart({ data, grain, title }: { data: SpendBucketPoint[]; grain: "day" | "week"; title: string }) {
  const hydrated = useHydrated();
  const points = data.map((d) => ({ start: d.start, llm: usdNumber(d.llmUsd), sandbox: usdNumber(d.sandboxUsd) }));
  const tick = (d: string) => (grain === "week" ? `Wk ${formatDay(d)}` : formatDay(d));
  const fullLabel = (d: string) =>
    `${grain === "week" ? "Week of " : ""}${formatDay(d, { month: "short", day: "numeric", year: "numeric" })}`;

  return (
    <figure className="chart">
      <figcaption className="visually-hidden">{title}</figcaption>
      <div className="chart__canvas" style={{ height: HEIGHT }} aria-hidden="true" data-testid="spend-over-time">
        {hydrated && (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <BarChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={GRID_STROKE} vertical={false} />
              <XAxis dataKey="start" tick={AXIS_TICK} tickFormatter={tick} minTickGap={16} />
              <YAxis tick={AXIS_TICK} tickFormatter={formatUsdCompact} width={56} />
              <Tooltip labelFormatter={(d) => fullLabel(String(d))} formatter={(value) => formatUsd(Number(value))} />
              <Legend />
              <Bar dataKey="llm" name="LLM" stackId="spend" fill={RESOURCE_COLORS.llm} isAnimationActive={false} />
              <Bar dataKey="sandbox" name="Sandbox" stackId="spend" fill={RESOURCE_COLORS.sandbox} isAnimationActive={false} />
              {/*
                ANOMALY MARKERS (later): one <ReferenceDot x={finding.day} y={total of that bucket} /> (or a
                <ReferenceArea> for hourly spikes) per AnomalyFinding in the range, coloured by severity, with
                the finding's actual vs expected spend in its label. Pass them in as a `markers` prop read
                from anomaly_findings by the tenant page's loader; keep them in the table below as well.
              */}
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
      <ChartDataTable
        caption={title}
        columns={[{ label: grain === "week" ? "Week of (UTC)" : "Day (UTC)" }, { label: "LLM", numeric: true }, { label: "Sandbox", numeric: true }]}
        rows={data.map((d) => ({ key: d.start, cells: [d.start, formatUsd(d.llmUsd), formatUsd(d.sandboxUsd)] }))}
      />
    </figure>
  );
}
