// Sandbox errors: counts per lifecycle stage (bars, in lifecycle order) and errors per day.
// Same conventions as the other charts: shared theme, rendered after hydration (recharts
// measures the DOM), and the numbers available as a table for keyboard and screen readers.
import { useEffect, useState } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDay } from "../format.ts";
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

function useHydrated() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

function DataTableFallback({ title, head, rows }: { title: string; head: [string, string]; rows: [string, number][] }) {
  return (
    <details className="chart__data">
      <summary>Show as table</summary>
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{head[0]}</th>
              <th scope="col" className="num">
                {head[1]}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td className="num">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function ErrorsByStageChart({ data, title }: { data: { stage: string; count: number }[]; title: string }) {
  const hydrated = useHydrated();
  const points = data.map((d) => ({ stage: STAGE_LABEL[d.stage] ?? d.stage, count: d.count }));
  return (
    <figure className="chart" data-testid="errors-by-stage">
      <figcaption className="visually-hidden">{title}</figcaption>
      <div className="chart__canvas" style={{ height: HEIGHT }} aria-hidden="true">
        {hydrated && (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <BarChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={GRID_STROKE} vertical={false} />
              <XAxis dataKey="stage" tick={AXIS_TICK} interval={0} angle={-30} textAnchor="end" height={70} />
              <YAxis tick={AXIS_TICK} allowDecimals={false} width={40} />
              <Tooltip />
              <Bar dataKey="count" name="Errors" fill={ERROR_COLOR} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
      <DataTableFallback title={title} head={["Stage", "Errors"]} rows={points.map((p) => [p.stage, p.count])} />
    </figure>
  );
}

export function ErrorsPerDayChart({ data, title }: { data: { day: string; count: number }[]; title: string }) {
  const hydrated = useHydrated();
  return (
    <figure className="chart" data-testid="errors-per-day">
      <figcaption className="visually-hidden">{title}</figcaption>
      <div className="chart__canvas" style={{ height: HEIGHT }} aria-hidden="true">
        {hydrated && (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={GRID_STROKE} vertical={false} />
              <XAxis dataKey="day" tick={AXIS_TICK} tickFormatter={(d: string) => formatDay(d)} minTickGap={24} />
              <YAxis tick={AXIS_TICK} allowDecimals={false} width={40} />
              <Tooltip labelFormatter={(d) => formatDay(String(d), { month: "short", day: "numeric", year: "numeric" })} />
              <Bar dataKey="count" name="Errors" fill={ERROR_COLOR} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
      <DataTableFallback title={title} head={["Day (UTC)", "Errors"]} rows={data.map((d) => [d.day, d.count])} />
    </figure>
  );
}
