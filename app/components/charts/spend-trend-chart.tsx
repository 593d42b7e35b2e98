// Daily spend stacked by resource (LLM vs sandbox). recharts measures the DOM, so the chart
// renders after hydration; the same numbers are always available as a table for screen
// readers and keyboard users.
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay, formatUsd, formatUsdCompact, usdNumber } from "../format.ts";
import { ChartDataTable, useHydrated } from "./chart-parts.tsx";
import { AXIS_TICK, GRID_STROKE, RESOURCE_COLORS } from "./theme.ts";

export interface DailySpendPoint {
  day: string;
  llmUsd: string;
  sandboxUsd: string;
}

const HEIGHT = 280;

export function SpendTrendChart({ data, title }: { data: DailySpendPoint[]; title: string }) {
  const hydrated = useHydrated();
  const points = data.map((d) => ({ day: d.day, llm: usdNumber(d.llmUsd), sandbox: usdNumber(d.sandboxUsd) }));

  return (
    <figure className="chart">
      <figcaption className="visually-hidden">{title}</figcaption>
      <div className="chart__canvas" style={{ height: HEIGHT }} aria-hidden="true">
        {hydrated && (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <AreaChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={GRID_STROKE} vertical={false} />
              <XAxis dataKey="day" tick={AXIS_TICK} tickFormatter={(d: string) => formatDay(d)} minTickGap={24} />
              <YAxis tick={AXIS_TICK} tickFormatter={formatUsdCompact} width={56} />
              <Tooltip
                labelFormatter={(d) => formatDay(String(d), { month: "short", day: "numeric", year: "numeric" })}
                formatter={(value) => formatUsd(Number(value))}
              />
              <Legend />
              <Area
                type="monotone"
                dataKey="llm"
                name="LLM"
                stackId="spend"
                stroke={RESOURCE_COLORS.llm}
                fill={RESOURCE_COLORS.llm}
                fillOpacity={0.35}
                isAnimationActive={false}
              />
              <Area
                type="monotone"
                dataKey="sandbox"
                name="Sandbox"
                stackId="spend"
                stroke={RESOURCE_COLORS.sandbox}
                fill={RESOURCE_COLORS.sandbox}
                fillOpacity={0.35}
                isAnimationActive={false}
              />
            </AreaChart>
          </ResponsiveContainer>
        )}
      </div>
      <ChartDataTable
        caption={title}
        columns={[{ label: "Day (UTC)" }, { label: "LLM", numeric: true }, { label: "Sandbox", numeric: true }]}
        rows={data.map((d) => ({ key: d.day, cells: [d.day, formatUsd(d.llmUsd), formatUsd(d.sandboxUsd)] }))}
      />
    </figure>
  );
}
