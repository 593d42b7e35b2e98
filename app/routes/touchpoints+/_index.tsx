// Admin and ops: touchpoint coverage — which call sites reserve before calling and which only
// record afterwards (derived from the last 7 days of cost records), against the registry.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import adminStyles from "~/components/admin/admin.css";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatPercent, formatTime, formatUsd } from "~/components/format.ts";
import { requireArea } from "~/services/auth.server.ts";
import { COVERAGE_WINDOW_DAYS, getTouchpointCoverage, type CoverageMode, type TouchpointCoverage } from "~/services/touchpoints.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Touchpoint coverage · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "touchpoints");
  return { touchpoints: await getTouchpointCoverage(), windowDays: COVERAGE_WINDOW_DAYS };
}

const MODE_LABEL: Record<CoverageMode, string> = {
  reserves_first: "Reserves first",
  records_after: "Records after",
  mixed: "Mixed",
  no_traffic: "No traffic",
};

function ModeBadge({ t }: { t: TouchpointCoverage }) {
  const cls = t.flagged
    ? "badge badge--danger"
    : t.mode === "reserves_first"
    ? "badge badge--ok"
    : t.mode === "no_traffic"
    ? "badge"
    : "badge badge--warn";
  return (
    <>
      <span className={cls} data-mode={t.mode}>
        {t.flagged && <span aria-hidden="true">⚠ </span>}
        {MODE_LABEL[t.mode]}
        {t.mode === "mixed" && t.reservedShare !== null && ` (${formatPercent(t.reservedShare * 100)} reserved)`}
      </span>
      {t.flagged && <div className="field-error">Registry expects a reservation</div>}
    </>
  );
}

const columns: ColumnDef<TouchpointCoverage, any>[] = [
  {
    accessorKey: "id",
    header: "Touchpoint",
    cell: ({ row }) => (
      <>
        <Link to={`/records?${new URLSearchParams({ touchpoint: row.original.id })}`}>
          <code>{row.original.id}</code>
        </Link>
        {row.original.name && <div className="muted">{row.original.name}</div>}
        {!row.original.registered && <span className="badge badge--warn">Not in registry</span>}
      </>
    ),
  },
  {
    id: "priority",
    accessorFn: (t) => t.priority ?? "",
    header: "Priority",
    cell: ({ row }) => row.original.priority ?? "—",
    meta: { optional: true },
  },
  {
    id: "lastReportAt",
    accessorFn: (t) => t.lastReportAt ?? "",
    header: "Last report",
    cell: ({ row }) => formatTime(row.original.lastReportAt, "Never"),
    meta: { optional: true },
  },
  {
    accessorKey: "records7d",
    header: "Records (7 d)",
    cell: ({ row }) => row.original.records7d.toLocaleString("en-US"),
    meta: { numeric: true },
    sortDescFirst: true,
  },
  {
    id: "cost",
    accessorFn: (t) => Number(t.costUsd7d),
    header: "Cost (7 d)",
    cell: ({ row }) => formatUsd(row.original.costUsd7d),
    meta: { numeric: true },
    sortDescFirst: true,
  },
  { id: "mode", accessorFn: (t) => `${t.flagged ? 0 : 1}${t.mode}`, header: "Observed", cell: ({ row }) => <ModeBadge t={row.original} /> },
  {
    id: "expected",
    accessorFn: (t) => String(t.expectsReservation),
    header: "Expected",
    cell: ({ row }) =>
      row.original.expectsReservation === null ? "—" : row.original.expectsReservation ? "Reserves first" : "Records after",
  },
];

export default function Touchpoints() {
  const { touchpoints, windowDays } = useLoaderData<typeof loader>();
  const flagged = touchpoints.filter((t) => t.flagged);
  return (
    <>
      <div className="page-head">
        <h1>Touchpoint coverage</h1>
        <p className="muted">
          Each call site’s traffic over the last {windowDays} days. “Observed” comes from the cost records: reserves first when at least 99%
          of records went through a reservation, records after when none did. “Expected” is the registry.
        </p>
      </div>
      {flagged.length > 0 && (
        <p className="form-error" role="alert">
          {flagged.length} touchpoint{flagged.length === 1 ? " is" : "s are"} expected to reserve before calling but only record afterwards:{" "}
          {flagged.map((t) => t.id).join(", ")}. Their spend is not stopped by quotas before it happens.
        </p>
      )}
      <div className="coverage-table">
        <DataTable
          columns={columns}
          data={touchpoints}
          caption={`Touchpoints, their last ${windowDays} days of traffic, and whether they reserve before calling`}
          emptyMessage="No touchpoints are registered and no cost record names one yet."
          getRowId={(t) => t.id}
        />
      </div>
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
