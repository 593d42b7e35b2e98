// Staff: every tenant with its spend this month, searchable by name or slug.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatUsd } from "~/components/format.ts";
import { requireArea } from "~/services/auth.server.ts";
import { listTenantsWithSpend, type TenantListRow } from "~/services/spend.page.server.ts";

export const meta: MetaFunction = () => [{ title: "Tenants · Tollgate" }];

// An over-long or repeated `q` is cut down rather than rejected: it is only a filter.
const TenantSearch = z.object({ q: safeText().trim().max(100).catch("").default("") });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "tenants");
  const { q } = TenantSearch.parse(Object.fromEntries(new URL(request.url).searchParams));
  return { q, tenants: await listTenantsWithSpend(q) };
}

const columns: ColumnDef<TenantListRow, any>[] = [
  {
    accessorKey: "name",
    header: "Name",
    cell: ({ row }) => <Link to={`/t/${row.original.slug}`}>{row.original.name}</Link>,
  },
  { accessorKey: "slug", header: "Slug", cell: ({ row }) => <code>{row.original.slug}</code>, meta: { optional: true } },
  {
    accessorKey: "status",
    header: "Status",
    cell: ({ row }) => <span className={`badge badge--${row.original.status}`}>{row.original.status}</span>,
    meta: { optional: true },
  },
  {
    id: "monthUsd",
    // Sort numerically: the exact strings would sort "9.5" after "10".
    accessorFn: (t) => Number(t.monthUsd),
    header: "Spend this month",
    cell: ({ row }) => formatUsd(row.original.monthUsd),
    meta: { numeric: true },
    sortDescFirst: true,
  },
];

export default function Tenants() {
  const { q, tenants } = useLoaderData<typeof loader>();
  const searching = useNavigation().location?.pathname === "/tenants";
  return (
    <>
      <div className="page-head">
        <h1>Tenants</h1>
      </div>
      <Form method="get" role="search" className="search-form">
        <label htmlFor="tenant-search">Search tenants</label>
        <input id="tenant-search" name="q" type="search" defaultValue={q} placeholder="Name or slug" maxLength={100} />
        <button type="submit" className="button">
          {searching ? "Searching…" : "Search"}
        </button>
        {q && <Link to="/tenants">Clear</Link>}
      </Form>
      <p className="muted" role="status">
        {tenants.length} {tenants.length === 1 ? "tenant" : "tenants"}
        {q ? ` matching “${q}”` : ""}
      </p>
      <DataTable
        columns={columns}
        data={tenants}
        caption="Tenants and their spend this month"
        emptyMessage={q ? "No tenant matches that search." : "There are no tenants yet."}
        getRowId={(t) => t.id}
      />
    </>
  );
}
