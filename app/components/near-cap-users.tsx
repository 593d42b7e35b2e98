// "Users at or near their default cap" (ADR 0016): the end users at or past 80% of a per-user
// default this period, fullest first, each linking to their cost records of the period in the
// explorer; and, for the quota views, one default's per-user figures (how many near / at the
// cap, its fullest users against the limit line) instead of a scope total, which a per-user
// cap does not have.
import { Link } from "@remix-run/react";
import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { recordsSearch } from "~/schemas/records.ts";
import type { DefaultCapFigures, NearCapList, NearCapUser } from "~/services/near-cap.page.server.ts";
import { ChartFrame } from "./charts/chart-parts.tsx";
import { AXIS_TICK, CATEGORY_COLOR, FORECAST_COLORS, GRID_STROKE } from "./charts/theme.ts";
import { DataTable, type ColumnDef } from "./data-table.tsx";
import { formatPercent, formatUsd, formatUsdCompact, quotaLabel, usdNumber } from "./format.ts";

export const NO_USER_NEAR = "No end user is near a default cap.";

/** The explorer URL of one user's records in the default's current period. */
export function nearCapRecordsHref(u: NearCapUser, explorerPath: string, today: string, withTenant: boolean): string {
  return `${explorerPath}${recordsSearch({ tenant: withTenant ? u.tenantSlug : undefined, user: u.userId, from: u.periodStart, to: today }, "time_desc")}`;
}

const defaultText = (u: NearCapUser) => `${u.defaultOf === "platform" ? "Platform" : "Tenant"} default · ${quotaLabel(u)}`;

function columns(opts: { showTenant: boolean; href: (u: NearCapUser) => string }): ColumnDef<NearCapUser, any>[] {
  const cols: ColumnDef<NearCapUser, any>[] = [
    {
      id: "user",
      accessorFn: (u) => u.userId,
      header: "End user",
      cell: ({ row: { original: u } }) => (
        <Link to={opts.href(u)} aria-label={`Cost records of ${u.userId}${opts.showTenant ? ` (${u.tenantName})` : ""} this period`}>
          {u.userId}
        </Link>
      ),
      meta: { wrap: true },
    },
  ];
  if (opts.showTenant) cols.push({ id: "tenant", accessorFn: (u) => u.tenantName, header: "Tenant", meta: { wrap: true } });
  cols.push(
    { id: "default", accessorFn: defaultText, header: "Default cap", meta: { wrap: true, optional: true } },
    { id: "limit", accessorFn: (u) => Number(u.limitUsd), header: "Limit", cell: ({ row }) => formatUsd(row.original.limitUsd), meta: { numeric: true, optional: true } },
    { id: "spent", accessorFn: (u) => Number(u.spentUsd), header: "Spent", cell: ({ row }) => formatUsd(row.original.spentUsd), meta: { numeric: true } },
    { id: "held", accessorFn: (u) => Number(u.heldUsd), header: "Held", cell: ({ row }) => formatUsd(row.original.heldUsd), meta: { numeric: true, optional: true } },
    {
      id: "used",
      accessorFn: (u) => u.utilizationPercent,
      header: "Used",
      cell: ({ row: { original: u } }) => (
        <span data-testid="near-cap-used" data-user={u.userId} data-percent={u.utilizationPercent}>
          {formatPercent(u.utilizationPercent)}
        </span>
      ),
      meta: { numeric: true },
      sortDescFirst: true,
    },
    {
      id: "status",
      accessorFn: (u) => (u.atCap ? "At cap" : "Near"),
      header: "Status",
      cell: ({ row: { original: u } }) => <span className={`badge badge--${u.atCap ? "over" : "near"}`}>{u.atCap ? "At cap" : "Near"}</span>,
    },
  );
  return cols;
}

/**
 * The panel: counts, then the fullest users. `explorerPath`: where a user's records are
 * (`/records` for staff, `/t/<slug>/records` for a tenant); `showTenant` for lists across tenants.
 */
export function NearCapPanel({
  list,
  explorerPath,
  showTenant,
  caption,
  note,
}: {
  list: NearCapList;
  explorerPath: string;
  showTenant: boolean;
  caption: string;
  note?: string;
}) {
  const { users, nearCount, atCapCount } = list;
  return (
    <section className="card" aria-labelledby="near-cap" data-testid="near-cap-panel" data-near={nearCount} data-at-cap={atCapCount}>
      <h2 id="near-cap">Users at or near their default cap</h2>
      <p className="muted quota-note">
        End users at 80% or more of a default cap for each end user, this period, counting open holds. {note}
      </p>
      {nearCount === 0 ? (
        <p className="muted" data-testid="near-cap-empty">
          {NO_USER_NEAR}
        </p>
      ) : (
        <>
          <p data-testid="near-cap-counts">
            <strong>{nearCount.toLocaleString("en-US")}</strong> {nearCount === 1 ? "user" : "users"} at or past 80%, of which{" "}
            <strong>{atCapCount.toLocaleString("en-US")}</strong> at the cap
            {nearCount > users.length ? ` (the ${users.length} fullest below)` : ""}.
          </p>
          <DataTable
            columns={columns({ showTenant, href: (u) => nearCapRecordsHref(u, explorerPath, list.asOf, showTenant) })}
            data={users}
            caption={caption}
            getRowId={(u) => `${u.quotaId}|${u.tenantId}|${u.userId}`}
          />
        </>
      )}
    </section>
  );
}

/** A default's per-user figures in one line (quota tables): "3 near · 1 at cap · fullest 104%". */
export function DefaultCapSummary({ quotaId, figures }: { quotaId: string; figures: DefaultCapFigures | undefined }) {
  if (!figures) {
    return (
      <span className="muted" data-testid="default-cap-summary" data-quota={quotaId} data-near="0" data-at-cap="0">
        No user near
      </span>
    );
  }
  const fullest = figures.top[0];
  return (
    <span data-testid="default-cap-summary" data-quota={quotaId} data-near={figures.nearCount} data-at-cap={figures.atCapCount}>
      {figures.nearCount.toLocaleString("en-US")} near · {figures.atCapCount.toLocaleString("en-US")} at cap
      {fullest && (
        <span className="muted">
          {" "}
          · fullest {fullest.userId} {formatPercent(fullest.utilizationPercent)}
        </span>
      )}
    </span>
  );
}

const CHART_HEIGHT = 220;

/** One default's fullest users as bars (spent + held) against its limit line. */
export function DefaultCapChart({ figures, limitUsd, title, showTenant }: { figures: DefaultCapFigures | undefined; limitUsd: string | number; title: string; showTenant: boolean }) {
  if (!figures || figures.top.length === 0) {
    return (
      <p className="muted" data-testid="default-cap-chart-empty">
        {NO_USER_NEAR}
      </p>
    );
  }
  const label = (u: NearCapUser) => (showTenant ? `${u.userId} (${u.tenantSlug})` : u.userId);
  const data = figures.top.map((u) => ({ name: label(u), used: usdNumber(u.usedUsd) }));
  const limit = usdNumber(String(limitUsd));
  return (
    <ChartFrame
      title={title}
      height={CHART_HEIGHT}
      figure={{ "data-testid": "default-cap-chart", "data-users": String(figures.top.length) }}
      table={{
        columns: [{ label: "End user" }, { label: "Spent", numeric: true }, { label: "Held", numeric: true }, { label: "Used", numeric: true }],
        rows: figures.top.map((u) => ({ key: `${u.tenantId}|${u.userId}`, cells: [label(u), formatUsd(u.spentUsd), formatUsd(u.heldUsd), formatPercent(u.utilizationPercent)] })),
      }}
    >
      <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID_STROKE} vertical={false} />
        <XAxis dataKey="name" tick={AXIS_TICK} interval={0} />
        <YAxis tick={AXIS_TICK} tickFormatter={formatUsdCompact} width={56} domain={[0, (max: number) => Math.max(max, limit) * 1.05]} />
        <Tooltip formatter={(value) => [formatUsd(String(value)), "Spent + held"]} />
        <ReferenceLine y={limit} stroke={FORECAST_COLORS.limit} strokeDasharray="4 3" label={{ value: `Limit ${formatUsd(limitUsd)}`, position: "insideTopRight", fontSize: 12 }} />
        <Bar dataKey="used" name="Spent + held" fill={CATEGORY_COLOR} isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}
