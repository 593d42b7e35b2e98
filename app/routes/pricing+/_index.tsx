// Pricing (admin, finance): the price in effect now for every LLM model and sandbox tier,
// with links to each one's history, to add a new price and to import prices from CSV.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import formStyles from "~/components/forms/forms.css";
import { requireArea } from "~/services/auth.server.ts";
import { currentPrices } from "~/services/pricing.page.server.ts";
import type { LlmPriceJson, SandboxPriceJson } from "~/services/pricing.server.ts";
import { formatDateTime, formatRate } from "~/components/forms/price-format.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "Pricing · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "pricing");
  return currentPrices();
}

const historyHref = (p: { provider: string; model: string }) =>
  `/pricing/history?${new URLSearchParams({ provider: p.provider, model: p.model })}`;

const llmColumns: ColumnDef<LlmPriceJson, any>[] = [
  { accessorKey: "provider", header: "Provider" },
  {
    accessorKey: "model",
    header: "Model",
    cell: ({ row }) => <Link to={historyHref(row.original)}>{row.original.model}</Link>,
  },
  { accessorKey: "inputUsdPerMillion", header: "Input $/1M", cell: ({ getValue }) => formatRate(getValue()), meta: { numeric: true } },
  { accessorKey: "outputUsdPerMillion", header: "Output $/1M", cell: ({ getValue }) => formatRate(getValue()), meta: { numeric: true } },
  {
    id: "cached",
    accessorFn: (p) => p.cachedInputUsdPerMillion ?? -1,
    header: "Cached input $/1M",
    cell: ({ row }) => (row.original.cachedInputUsdPerMillion === null ? "—" : formatRate(row.original.cachedInputUsdPerMillion)),
    meta: { numeric: true, optional: true },
  },
  { accessorKey: "effectiveFrom", header: "Effective since", cell: ({ getValue }) => formatDateTime(getValue()), meta: { optional: true } },
  { accessorKey: "note", header: "Note", enableSorting: false, meta: { optional: true } },
];

const sandboxColumns: ColumnDef<SandboxPriceJson, any>[] = [
  {
    accessorKey: "tier",
    header: "Tier",
    cell: ({ row }) => <Link to={`/pricing/history?tier=${row.original.tier}`}>{row.original.tier}</Link>,
  },
  { accessorKey: "usdPerSecond", header: "USD per second", cell: ({ getValue }) => formatRate(getValue()), meta: { numeric: true } },
  { accessorKey: "effectiveFrom", header: "Effective since", cell: ({ getValue }) => formatDateTime(getValue()), meta: { optional: true } },
  { accessorKey: "note", header: "Note", enableSorting: false, meta: { optional: true } },
];

export default function Pricing() {
  const { llm, sandbox, asOf } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>Pricing</h1>
        <p className="muted">Prices in effect now ({formatDateTime(asOf)}). Costs always use the price in effect when the usage happened.</p>
      </div>
      <div className="form-actions" style={{ marginBottom: "1.25rem" }}>
        <Link className="button button--primary" to="/pricing/new">
          Add a new price
        </Link>
        <Link className="button" to="/pricing/new?kind=sandbox">
          Add a sandbox rate
        </Link>
        <Link className="button" to="/pricing/import">
          Import prices from CSV
        </Link>
        <Link className="button" to="/pricing/import?kind=sandbox">
          Import sandbox rates from CSV
        </Link>
      </div>
      <section className="card" aria-labelledby="llm-prices">
        <h2 id="llm-prices">LLM prices</h2>
        <DataTable
          columns={llmColumns}
          data={llm}
          caption="LLM prices in effect now, per million tokens"
          emptyMessage="No LLM prices yet. Add one or import a CSV file."
          getRowId={(p) => p.id}
        />
      </section>
      <section className="card" aria-labelledby="sandbox-prices">
        <h2 id="sandbox-prices">Sandbox rates</h2>
        <DataTable
          columns={sandboxColumns}
          data={sandbox}
          caption="Sandbox rates in effect now"
          emptyMessage="No sandbox rates yet. Add one or import a CSV file."
          getRowId={(p) => p.id}
        />
      </section>
    </>
  );
}
