// Sandbox errors: counts per lifecycle stage (bars, in lifecycle order) and errors per day.
// Same conventions as the other charts: shared theme, rendered after hydration (recharts
// measures the DOM), and the numbers available as a table for keyboard and screen readers.
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFrame, dayLabel, dayTick } from "./chart-parts.tsx";
import { AXIS_TICK, GRID_STROKE, RESOURCE_COLORS } from "./theme.ts";

// Sandbox errors take the sandbox colour of the shared theme.
const ERROR_COLOR = RESOURCE_COLORS.sandbox;

const HEIGHT = 260;

export const STAGE_LABEL: Record<string, string> = {
  initialization: "Initialization",
  quota_validation: "Quota validation",
  resource_allocation: "Resource allocation",
  connection: "Connection",
  execution: "Execution",
  result_retrieval: "Result retrieval",
  cleanup: "Cleanup",
  monitoring: "Monitoring",
  unknown: "Unknown",
};

export function ErrorsByStageChart({ data, title }: { data: { stage: string; count: number }[]; title: string }) {
  const points = data.map((d) => ({ stage: STAGE_LABEL[d.stage] ?? d.stage, count: d.count }));
  return (
    <ChartFrame
      title={title}
      height={HEIGHT}
      figure={{ "data-testid": "errors-by-stage" }}
      table={{ columns: [{ label: "Stage" }, { label: "Errors", numeric: true }], rows: points.map((p) => ({ key: p.stage, cells: [p.stage, p.count] })) }}
    >
      <BarChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis dataKey="stage" tick={AXIS_TICK} interval={0} angle={-30} textAnchor="end" height={70} />
        <YAxis tick={AXIS_TICK} allowDecimals={false} width={40} />
        <Tooltip />
        <Bar dataKey="count" name="Errors" fill={ERROR_COLOR} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}

export function ErrorsPerDayChart({ data, title }: { data: { day: string; count: number }[]; title: string }) {
  return (
    <ChartFrame
      title={title}
      height={HEIGHT}
      figure={{ "data-testid": "errors-per-day" }}
      table={{ columns: [{ label: "Day (UTC)" }, { label: "Errors", numeric: true }], rows: data.map((d) => ({ key: d.day, cells: [d.day, d.count] })) }}
    >
      <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis dataKey="day" tick={AXIS_TICK} tickFormatter={dayTick} minTickGap={24} />
        <YAxis tick={AXIS_TICK} allowDecimals={false} width={40} />
        <Tooltip labelFormatter={dayLabel} />
        <Bar dataKey="count" name="Errors" fill={ERROR_COLOR} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}
