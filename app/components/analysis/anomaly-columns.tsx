// Table columns for anomaly findings, shared by the tenant page (read-only) and the anomalies
// page (which adds a tenant column and the review actions).
import type { ColumnDef } from "~/components/data-table.tsx";
import { formatDay, formatUsd } from "~/components/format.ts";

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
  return a.hour === null ? `${day} (day)` : `${day}, ${String(a.hour).padStart(2, "0")}:00–${String(a.hour + 1).padStart(2, "0")}:00`;
}

export function anomalyColumns<T extends AnomalyRow>(): ColumnDef<T, any>[] {
  return [
    { id: "when", header: "When (UTC)", cell: ({ row }) => anomalyWhen(row.original), enableSorting: false },
    { accessorKey: "resource", header: "Resource", cell: ({ row }) => RESOURCE[row.original.resource], enableSorting: false },
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
      meta: { numeric: true },
    },
    {
      accessorKey: "severity",
      header: "Severity",
      cell: ({ row }) => <span className={`badge badge--severity-${row.original.severity}`}>{row.original.severity}</span>,
      enableSorting: false,
    },
    { accessorKey: "score", header: "Score", cell: ({ row }) => row.original.score.toFixed(1), enableSorting: false, meta: { numeric: true, optional: true } },
    {
      accessorKey: "status",
      header: "Status",
      cell: ({ row }) => (
        <span className="cell-stack">
          <span>{STATUS_LABEL[row.original.status]}</span>
          {row.original.reviewedBy && <span className="cell-stack__sub">by {row.original.reviewedBy}</span>}
        </span>
      ),
      enableSorting: false,
    },
  ];
}
