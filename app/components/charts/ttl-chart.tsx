// Billed sandbox time per tenant split into active (executing) and idle tail — the part a
// shorter TTL would cut. Horizontal bars so tenant names stay readable on a phone.
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd } from "../format.ts";
import { ChartFrame } from "./chart-parts.tsx";
import { AXIS_TICK, GRID_STROKE, OTHER_COLOR, RESOURCE_COLORS } from "./theme.ts";

export interface TtlChartRow {
  tenantSlug: string;
  tenantName: string;
  billedSeconds: number;
  activeSeconds: number;
  idleSeconds: number;
  projectedMonthlySavingUsd: string;
}

const hours = (s: number) => Math.round((s / 3600) * 10) / 10;
const ROW_HEIGHT = 34;

export function TtlChart({ rows, title }: { rows: TtlChartRow[]; title: string }) {
  const points = rows.map((r) => ({ name: r.tenantName, active: hours(r.activeSeconds), idle: hours(r.idleSeconds) }));
  const height = Math.max(140, rows.length * ROW_HEIGHT + 70);
  return (
    <ChartFrame
      title={title}
      height={height}
      figure={{ "data-testid": "ttl-chart" }}
      table={{
        columns: [{ label: "Tenant" }, { label: "Billed (h)", numeric: true }, { label: "Active (h)", numeric: true }, { label: "Idle (h)", numeric: true }, { label: "Saving / month", numeric: true }],
        rows: rows.map((r) => ({
          key: r.tenantSlug,
          cells: [r.tenantName, hours(r.billedSeconds), hours(r.activeSeconds), hours(r.idleSeconds), formatUsd(r.projectedMonthlySavingUsd)],
        })),
      }}
    >
      <BarChart data={points} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} horizontal={false} />
        <XAxis type="number" tick={AXIS_TICK} tickFormatter={(h: number) => `${h}h`} />
        <YAxis type="category" dataKey="name" tick={AXIS_TICK} width={96} />
        <Tooltip formatter={(value) => `${value} h`} />
        <Legend />
        <Bar dataKey="active" name="Active" stackId="billed" fill={RESOURCE_COLORS.sandbox} isAnimationActive={false} />
        <Bar dataKey="idle" name="Idle tail" stackId="billed" fill={OTHER_COLOR} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}
