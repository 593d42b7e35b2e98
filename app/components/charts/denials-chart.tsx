// Denied requests over time (ADR 0014): bars of how many requests a tenant's quotas refused per
// day or ISO week, with the refused estimate in the tooltip and the table. Like every chart it
// renders after hydration and keeps the same numbers as a table for keyboard and screen readers.
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import type { DenialBucket } from "~/services/denials.page.server.ts";
import { formatUsd } from "../format.ts";
import { ChartFrame, dayLabel, dayTick } from "./chart-parts.tsx";
import { AXIS_TICK, DENIAL_COLOR, GRID_STROKE } from "./theme.ts";

const HEIGHT = 220;

export function DenialsChart({ data, title, emptyMessage }: { data: DenialBucket[]; title: string; emptyMessage: string }) {
  if (!data.some((d) => d.count > 0)) {
    return (
      <p className="muted" data-testid="denials-empty">
        {emptyMessage}
      </p>
    );
  }
  const usdOf = new Map(data.map((d) => [d.start, d.usd]));
  return (
    <ChartFrame
      title={title}
      height={HEIGHT}
      table={{
        columns: [{ label: "From (UTC)" }, { label: "Denied requests", numeric: true }, { label: "Estimate denied", numeric: true }],
        rows: data.map((d) => ({ key: d.start, cells: [d.start, d.count.toLocaleString("en-US"), formatUsd(d.usd)] })),
      }}
    >
      <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis dataKey="start" tick={AXIS_TICK} tickFormatter={dayTick} minTickGap={24} />
        <YAxis tick={AXIS_TICK} allowDecimals={false} width={40} />
        <Tooltip
          labelFormatter={dayLabel}
          formatter={(value, _name, item) => [`${Number(value).toLocaleString("en-US")} (${formatUsd(usdOf.get(item.payload.start) ?? "0")})`, "Denied"]}
        />
        <Bar dataKey="count" name="Denied" fill={DENIAL_COLOR} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}
