// Daily spend stacked by resource (LLM vs sandbox). recharts measures the DOM, so the chart
// renders after hydration; the same numbers are always available as a table for screen
// readers and keyboard users.
import { Area, AreaChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd, formatUsdCompact, usdNumber } from "../format.ts";
import { ChartFrame, dayLabel, dayTick } from "./chart-parts.tsx";
import { AXIS_TICK, GRID_STROKE, RESOURCE_COLORS } from "./theme.ts";

export interface DailySpendPoint {
  day: string;
  llmUsd: string;
  sandboxUsd: string;
}

const HEIGHT = 280;

export function SpendTrendChart({ data, title }: { data: DailySpendPoint[]; title: string }) {
  const points = data.map((d) => ({ day: d.day, llm: usdNumber(d.llmUsd), sandbox: usdNumber(d.sandboxUsd) }));

  return (
    <ChartFrame
      title={title}
      height={HEIGHT}
      table={{
        columns: [{ label: "Day (UTC)" }, { label: "LLM", numeric: true }, { label: "Sandbox", numeric: true }],
        rows: data.map((d) => ({ key: d.day, cells: [d.day, formatUsd(d.llmUsd), formatUsd(d.sandboxUsd)] })),
      }}
    >
      <AreaChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis dataKey="day" tick={AXIS_TICK} tickFormatter={dayTick} minTickGap={24} />
        <YAxis tick={AXIS_TICK} tickFormatter={formatUsdCompact} width={56} />
        <Tooltip labelFormatter={dayLabel} formatter={(value) => formatUsd(Number(value))} />
        <Legend />
        {(["llm", "sandbox"] as const).map((resource) => (
          <Area
            key={resource}
            type="monotone"
            dataKey={resource}
            name={resource === "llm" ? "LLM" : "Sandbox"}
            stackId="spend"
            stroke={RESOURCE_COLORS[resource]}
            fill={RESOURCE_COLORS[resource]}
            fillOpacity={0.35}
            isAnimationActive={false}
          />
        ))}
      </AreaChart>
    </ChartFrame>
  );
}
