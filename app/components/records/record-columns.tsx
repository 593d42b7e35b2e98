// The columns of a cost-record row, shared by the explorer and the tenant page's "recent
// records". Rows arrive already ordered by the server, so no column sorts in the browser; the
// explorer passes `sortLink` to turn the Time and Cost headers into links to the other order.
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import type { ColumnDef } from "~/components/data-table.tsx";
import type { CostRecordRow } from "~/services/records.server.ts";
import { formatCallCost, formatRecordTime, formatUsage } from "./format-record.ts";

export type RecordRow = CostRecordRow;

export interface RecordColumnOptions {
  showTenant: boolean;
  /** Header content for a server-sortable column, and its current order (if sorted by it). */
  sortHeader?: (key: "time" | "cost", label: string) => { header: ReactNode; ariaSort?: "ascending" | "descending" };
  /** Where a user id links to (the explorer filtered by that user), if anywhere. */
  userHref?: (row: RecordRow) => string;
}

export function RecordFlags({ row }: { row: RecordRow }) {
  const flags = [
    row.late && { key: "late", label: "late", title: "Settled after its reservation expired" },
    row.backfill && { key: "backfill", label: "backfill", title: "Imported afterwards (backfill)" },
    !row.reservationId && { key: "unreserved", label: "no reservation", title: "Recorded without a reservation first" },
  ].filter(Boolean) as { key: string; label: string; title: string }[];
  if (flags.length === 0) return <span className="visually-hidden">none</span>;
  return (
    <span className="record-flags">
      {flags.map((f) => (
        <span key={f.key} className={`badge badge--flag badge--${f.key}`} title={f.title}>
          {f.label}
        </span>
      ))}
    </span>
  );
}

export function recordColumns(opts: RecordColumnOptions): ColumnDef<RecordRow, any>[] {
  const sortable = (key: "time" | "cost", label: string) => {
    const s = opts.sortHeader?.(key, label);
    return { header: () => s?.header ?? label, ariaSort: s?.ariaSort };
  };
  const time = sortable("time", "Time (UTC)");
  const cost = sortable("cost", "Cost");
  // Cost right after the time: on narrow screens the table scrolls sideways, and these two are
  // what people look for first (the order Stripe-like ledgers use too).
  const columns: ColumnDef<RecordRow, any>[] = [
    {
      id: "time",
      header: time.header,
      // data-record-id: lets end-to-end tests compare the rows shown with the database.
      cell: ({ row }) => (
        <time dateTime={row.original.occurredAt} data-record-id={row.original.id}>
          {formatRecordTime(row.original.occurredAt)}
        </time>
      ),
      enableSorting: false,
      meta: { ariaSort: time.ariaSort },
    },
    {
      id: "cost",
      header: cost.header,
      cell: ({ row }) => (
        <span data-usd={row.original.costUsd} title={`$${row.original.costUsd}`}>
          {formatCallCost(row.original.costUsd)}
        </span>
      ),
      enableSorting: false,
      meta: { numeric: true, ariaSort: cost.ariaSort },
    },
    {
      id: "model",
      header: "Model / tier",
      cell: ({ row }) => {
        const r = row.original;
        const name = r.resource === "sandbox" ? (r.tier ?? "—") : (r.model ?? "—");
        const under = r.resource === "sandbox" ? "sandbox" : (r.provider ?? "LLM");
        return (
          <span className="record-model">
            <span className={`resource-dot resource-dot--${r.resource}`} aria-hidden="true" />
            <span className="cell-stack">
              <span>{name}</span>
              <span className="cell-stack__sub">{under}</span>
            </span>
          </span>
        );
      },
      enableSorting: false,
    },
    {
      id: "who",
      header: opts.showTenant ? "Tenant / user" : "User",
      cell: ({ row }) => {
        const r = row.original;
        const user = !r.userId ? (
          <span className="muted">no user id</span>
        ) : opts.userHref ? (
          <Link to={opts.userHref(r)} title={`Only ${r.userId}'s records`}>
            {r.userId}
          </Link>
        ) : (
          r.userId
        );
        if (!opts.showTenant) return user;
        return (
          <span className="cell-stack">
            <Link to={`/t/${r.tenantSlug}`}>{r.tenantName}</Link>
            <span className="cell-stack__sub">{user}</span>
          </span>
        );
      },
      enableSorting: false,
    },
    {
      id: "touchpoint",
      header: "Touchpoint",
      cell: ({ row }) => row.original.touchpoint ?? <span className="muted">—</span>,
      enableSorting: false,
      meta: { optional: true },
    },
    {
      id: "usage",
      header: "Tokens / seconds",
      cell: ({ row }) => (
        <span className="cell-stack">
          {formatUsage(row.original).map((line) => (
            <span key={line}>{line}</span>
          ))}
        </span>
      ),
      enableSorting: false,
      meta: { numeric: true, optional: true },
    },
    {
      id: "flags",
      header: "Flags",
      cell: ({ row }) => <RecordFlags row={row.original} />,
      enableSorting: false,
    },
  ];
  return columns;
}
