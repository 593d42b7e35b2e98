// The one table component: @tanstack/react-table with sortable, keyboard-operable headers.
// Server-side paging/sorting pages pass already-ordered data and `sortable={false}` (sorting one
// page in the browser would look like an order of the whole list, which it is not).
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from "@tanstack/react-table";
import { useState } from "react";

declare module "@tanstack/react-table" {
  interface ColumnMeta<TData, TValue> {
    /** Right-align (numbers, money). */
    numeric?: boolean;
    /** Hidden on phone widths, where only the essential columns fit. */
    optional?: boolean;
    /** Text that may wrap onto two lines (names), so wide tables still fit 1280 px. */
    wrap?: boolean;
    /** The order of server-sorted data (the header then usually links to the other order). */
    ariaSort?: "ascending" | "descending";
  }
}

export type { ColumnDef };

function cellClass(meta: { numeric?: boolean; optional?: boolean; wrap?: boolean } | undefined) {
  const names = [meta?.numeric && "num", meta?.optional && "col-optional", meta?.wrap && "col-wrap"].filter(Boolean);
  return names.length ? names.join(" ") : undefined;
}

export function DataTable<T>({
  columns,
  data,
  caption,
  emptyMessage = "Nothing to show.",
  initialSorting = [],
  getRowId,
  sortable = true,
}: {
  columns: ColumnDef<T, any>[];
  data: T[];
  /** Describes the table to screen readers; visually hidden. */
  caption: string;
  emptyMessage?: string;
  initialSorting?: SortingState;
  getRowId?: (row: T) => string;
  /** false: the rows are one page of a list ordered on the server; headers do not sort. */
  sortable?: boolean;
}) {
  const [sorting, setSorting] = useState<SortingState>(initialSorting);
  const table = useReactTable({
    data,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    enableSorting: sortable,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId,
  });

  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const meta = header.column.columnDef.meta;
                const label = flexRender(header.column.columnDef.header, header.getContext());
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className={cellClass(meta)}
                    aria-sort={meta?.ariaSort ?? (sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined)}
                  >
                    {header.column.getCanSort() ? (
                      <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                        {label}
                        <span aria-hidden="true" className="sort-indicator">
                          {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}
                        </span>
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="empty-cell">
                {emptyMessage}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={cellClass(cell.column.columnDef.meta)}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
