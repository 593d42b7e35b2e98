// Sandbox TTL advice per touchpoint (and tenant, on the cost-optimization page): billed versus
// active seconds, the idle tail, the TTL in use and the recommended one, the projected monthly
// saving. Shared by the tenant page and the cost-optimization page.
import { Link } from "@remix-run/react";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatUsd } from "~/components/format.ts";
import type { TtlAdviceRow } from "~/services/analysis/ttl-advice.server.ts";

/** A row of TTL advice as the loaders send it (the tenant id stays on the server). */
export type TtlAdviceData = Omit<TtlAdviceRow, "tenantId">;

/** 42 → "42s", 600 → "10m", 3725 → "1h 02m". */
export function formatSeconds(s: number | null): string {
  if (s === null) return "—";
  const n = Math.round(s);
  if (n < 60) return `${n}s`;
  if (n < 3600) return n % 60 ? `${Math.floor(n / 60)}m ${String(n % 60).padStart(2, "0")}s` : `${n / 60}m`;
  return `${Math.floor(n / 3600)}h ${String(Math.floor((n % 3600) / 60)).padStart(2, "0")}m`;
}

const idleShare = (r: TtlAdviceData) => (r.billedSeconds > 0 ? `${((r.idleSeconds / r.billedSeconds) * 100).toFixed(1)}%` : "—");

export const ttlRowId = (r: TtlAdviceData) => `${r.tenantSlug}/${r.touchpoint ?? ""}`;

function columns(showTenant: boolean): ColumnDef<TtlAdviceData, any>[] {
  return [
    ...(showTenant
      ? [{ accessorKey: "tenantName", header: "Tenant", cell: ({ row }) => <Link to={`/t/${row.original.tenantSlug}`}>{row.original.tenantName}</Link> } as ColumnDef<TtlAdviceData, any>]
      : []),
    { accessorKey: "touchpoint", header: "Touchpoint", cell: ({ row }) => row.original.touchpoint ?? "(no touchpoint)" },
    { accessorKey: "runs", header: "Runs", meta: { numeric: true, optional: true } },
    {
      accessorKey: "billedSeconds",
      header: "Billed / active",
      cell: ({ row }) => `${formatSeconds(row.original.billedSeconds)} / ${formatSeconds(row.original.activeSeconds)}`,
      meta: { numeric: true, optional: true },
      sortDescFirst: true,
    },
    {
      accessorKey: "idleSeconds",
      header: "Idle tail",
      cell: ({ row }) => `${formatSeconds(row.original.idleSeconds)} (${idleShare(row.original)})`,
      meta: { numeric: true },
      sortDescFirst: true,
    },
    {
      accessorKey: "recommendedTtlSeconds",
      header: "TTL: current → recommended",
      cell: ({ row }) => (
        <>
          {formatSeconds(row.original.currentTtlSeconds)} → <strong>{formatSeconds(row.original.recommendedTtlSeconds)}</strong>
        </>
      ),
      meta: { numeric: true },
    },
    {
      id: "saving",
      accessorFn: (r) => Number(r.projectedMonthlySavingUsd),
      header: "Saving / month",
      cell: ({ row }) => formatUsd(row.original.projectedMonthlySavingUsd),
      meta: { numeric: true },
      sortDescFirst: true,
    },
  ];
}

export function TtlAdviceTable({ rows, showTenant, caption }: { rows: TtlAdviceData[]; showTenant: boolean; caption: string }) {
  return (
    <DataTable
      columns={columns(showTenant)}
      data={rows}
      caption={caption}
      emptyMessage="No sandbox runs in the 30 days the advice covers, so there is nothing to advise."
      getRowId={ttlRowId}
    />
  );
}
