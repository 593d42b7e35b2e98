// Table columns for anomaly findings, shared by the tenant page (read-only) and the anomalies
// page (which adds a tenant column and the review actions).
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import type { ColumnDef } from "~/components/data-table.tsx";
import { formatDay, formatUsd } from "~/components/format.ts";
import { recordsSearch } from "~/schemas/records.ts";

export interface AnomalyRow {
  id: string;
  day: string;
  hour: number | null;
  resource: "llm" | "sandbox" | "all";
  actualUsd: string;
  expectedUsd: string;
  score: number;
  severity: string;
  status: "open" | "acknowledged" | "dismissed";
  reviewedBy?: string | null;
}

const RESOURCE = { llm: "LLM", sandbox: "Sandbox", all: "All" } as const;
export const STATUS_LABEL = { open: "Open", acknowledged: "Acknowledged", dismissed: "Dismissed" } as const;

export function anomalyWhen(a: Pick<AnomalyRow, "day" | "hour">): string {
  const day = formatDay(a.day, { dateStyle: "medium" });
  return a.hour === null ? `${day}, whole day` : `${day}, ${String(a.hour).padStart(2, "0")}:00–${String(a.hour + 1).padStart(2, "0")}:00`;
}

/**
 * The finding's day in a records explorer (`explorer`: "/records" for staff with `tenant`, or a
 * tenant's "/t/<slug>/records"), most expensive records first: where the excess came from.
 */
export function anomalyRecordsHref(a: Pick<AnomalyRow, "day" | "resource">, explorer: string, tenant?: string): string {
  const resource = a.resource === "all" ? undefined : a.resource;
  return `${explorer}${recordsSearch({ tenant, resource, from: a.day, to: a.day }, "cost_desc")}`;
}

/**
 * Columns for findings. The anomalies page adds `lead` (the tenant link, heading the first cell)
 * and `review` (its buttons, under the status). `recordsHref`: the finding's day in the records
 * explorer (linked from the "when").
 */
export function anomalyColumns<T extends AnomalyRow>(
  opts: { lead?: (row: T) => ReactNode; review?: (row: T) => ReactNode; recordsHref?: (row: T) => string } = {},
): ColumnDef<T, any>[] {
  const { lead, review, recordsHref } = opts;
  return [
    {
      id: "finding",
      header: "Finding (UTC)",
      // One stacked cell, so a phone shows what, when and how bad without scrolling sideways.
      cell: ({ row }) => {
        const a = row.original;
        return (
          <span className="cell-stack">
            {lead?.(a)}
            {recordsHref ? (
              <Link to={recordsHref(a)} aria-label={`Cost records of ${anomalyWhen(a)}`} data-testid="anomaly-records-link">
                {anomalyWhen(a)}
              </Link>
            ) : (
              <span>{anomalyWhen(a)}</span>
            )}
            <span className="cell-stack__sub">
              {RESOURCE[a.resource]} · <span className={`severity severity--${a.severity}`}>{a.severity}</span>
            </span>
            {/* Phones hide the amount column; the amounts ride along here instead. */}
            <span className="cell-stack__sub phone-only">
              {formatUsd(a.actualUsd)} vs {formatUsd(a.expectedUsd)} expected
            </span>
          </span>
        );
      },
      enableSorting: false,
    },
    {
      id: "spend",
      header: "Actual vs expected",
      cell: ({ row }) => (
        <span className="cell-stack">
          <span>{formatUsd(row.original.actualUsd)}</span>
          <span className="cell-stack__sub">expected {formatUsd(row.original.expectedUsd)}</span>
        </span>
      ),
      enableSorting: false,
      meta: { numeric: true, optional: true },
    },
    { accessorKey: "score", header: "Score", cell: ({ row }) => row.original.score.toFixed(1), enableSorting: false, meta: { numeric: true, optional: true } },
    {
      accessorKey: "status",
      header: "Status",
      cell: ({ row }) => (
        <span className="cell-stack">
          <span>{STATUS_LABEL[row.original.status]}</span>
          {row.original.reviewedBy && <span className="cell-stack__sub">by {row.original.reviewedBy}</span>}
          {review?.(row.original)}
        </span>
      ),
      enableSorting: false,
    },
  ];
}
