// A ranked breakdown of spend (by model, user or touchpoint) as horizontal bars, with the same
// numbers as a table whose rows can link to the matching cost records.
import { Link } from "@remix-run/react";
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from "recharts";
import Decimal from "decimal.js";
import { formatPercent, formatUsd, formatUsdCompact, usdNumber } from "../format.ts";
import { ChartFrame } from "./chart-parts.tsx";
import { AXIS_TICK, CATEGORY_COLOR, GRID_STROKE, OTHER_COLOR, RESOURCE_COLORS } from "./theme.ts";
import type { SpendSlice } from "~/services/spend.tenant.page.server.ts";

/** A slice is the spend.tenant.page service's SpendSlice (one definition of the concept). */
export type BreakdownSlice = SpendSlice;

const ROW_HEIGHT = 30;
const MAX_TICK = 17;
// Axis labels must fit 130 px: the model's name without its provider, cut with an ellipsis
// (the tooltip and the table carry the full label).
function shortLabel(label: string) {
  const s = label.includes("/") ? label.slice(label.indexOf("/") + 1) : label;
  return s.length > MAX_TICK ? `${s.slice(0, MAX_TICK - 1)}…` : s;
}

function colorOf(s: BreakdownSlice) {
  if (s.folded) return OTHER_COLOR;
  return s.resource ? RESOURCE_COLORS[s.resource] : CATEGORY_COLOR;
}

export function BreakdownChart({
  slices,
  totalUsd,
  title,
  nameHeader,
  hrefFor,
  emptyMessage,
}: {
  slices: BreakdownSlice[];
  totalUsd: string;
  title: string;
  nameHeader: string;
  /** The cost records behind a slice, if they can be listed. */
  hrefFor?: (slice: BreakdownSlice) => string | null;
  emptyMessage: string;
}) {
  if (slices.length === 0) return <p className="muted">{emptyMessage}</p>;
  const total = new Decimal(totalUsd);
  const share = (usd: string) => (total.isZero() ? 0 : new Decimal(usd).div(total).mul(100).toNumber());
  const points = slices.map((s) => ({ label: s.label, usd: usdNumber(s.costUsd), fill: colorOf(s) }));
  const height = slices.length * ROW_HEIGHT + 40;

  return (
    <ChartFrame
      title={title}
      height={height}
      table={{
        columns: [{ label: nameHeader }, { label: "Spend", numeric: true }, { label: "Share", numeric: true }, { label: "Records", numeric: true, optional: true }],
        rows: slices.map((s) => {
          const href = hrefFor?.(s);
          return {
            key: s.label,
            cells: [
              href ? <Link to={href}>{s.label}</Link> : s.label,
              { value: formatUsd(s.costUsd), attrs: { "data-usd": s.costUsd } },
              formatPercent(share(s.costUsd)),
              s.records.toLocaleString("en-US"),
            ],
          };
        }),
      }}
    >
      <BarChart data={points} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} horizontal={false} />
        <XAxis type="number" tick={AXIS_TICK} tickFormatter={formatUsdCompact} />
        <YAxis type="category" dataKey="label" tick={AXIS_TICK} tickFormatter={shortLabel} width={132} interval={0} />
        <Tooltip formatter={(value) => [formatUsd(Number(value)), "Spend"]} />
        <Bar dataKey="usd" name="Spend" isAnimationActive={false}>
          {points.map((p) => (
            <Cell key={p.label} fill={p.fill} />
          ))}
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}
