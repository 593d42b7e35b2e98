// The overview's analysis tables: tenants with open anomaly findings (a review link for admin
// and ops) and quotas forecast to pass their limit this period.
import { Link } from "@remix-run/react";
import type { ColumnDef } from "~/components/data-table.tsx";
import { formatUsd, quotaLabel } from "~/components/format.ts";
import type { ForecastView } from "~/services/analysis/queries.server.ts";
import type { OpenAnomaliesOfTenant } from "~/services/anomalies.page.server.ts";
import { formatInstant } from "../charts/forecast-chart.tsx";
import { anomalyWhen } from "./anomaly-columns.tsx";

type Anomaly = OpenAnomaliesOfTenant;
type Breach = ForecastView;

export const anomalyTenantColumns = (canReview: boolean): ColumnDef<Anomaly, any>[] => [
  {
    accessorKey: "tenantName",
    header: "Tenant",
    cell: ({ row }) => <Link to={`/t/${row.original.tenantSlug}`}>{row.original.tenantName}</Link>,
    enableSorting: false,
  },
  {
    accessorKey: "open",
    header: "Open findings",
    cell: ({ row }) => `${row.original.open}${row.original.high ? ` (${row.original.high} high)` : ""}`,
    enableSorting: false,
    meta: { numeric: true },
  },
  {
    id: "latest",
    header: "Latest (UTC)",
    cell: ({ row }) => anomalyWhen({ day: row.original.latestDay, hour: row.original.latestHour }),
    enableSorting: false,
    meta: { optional: true },
  },
  ...(canReview
    ? [
        {
          id: "review",
          header: "Review",
          cell: ({ row }) => (
            <Link to={`/anomalies?tenant=${encodeURIComponent(row.original.tenantSlug)}`} aria-label={`Review the findings of ${row.original.tenantName}`}>
              Review
            </Link>
          ),
          enableSorting: false,
        } as ColumnDef<Anomaly, any>,
      ]
    : []),
];

export const breachColumns: ColumnDef<Breach, any>[] = [
  {
    id: "tenant",
    header: "Tenant",
    cell: ({ row }) =>
      row.original.tenantSlug ? <Link to={`/t/${row.original.tenantSlug}`}>{row.original.tenantName}</Link> : "Platform",
    enableSorting: false,
  },
  {
    id: "quota",
    header: "Quota",
    cell: ({ row }) => `${row.original.scope === "user" ? `user ${row.original.scopeId} · ` : ""}${quotaLabel(row.original)}`,
    enableSorting: false,
  },
  {
    id: "forecast",
    header: "Forecast vs limit",
    cell: ({ row }) => `${formatUsd(row.original.forecastUsd)} of ${formatUsd(row.original.limitUsd)}`,
    enableSorting: false,
    meta: { numeric: true },
  },
  { accessorKey: "breachAt", header: "Breach expected (UTC)", cell: ({ row }) => formatInstant(row.original.breachAt!), enableSorting: false },
];
