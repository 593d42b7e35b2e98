// One model's (or sandbox tier's) price history: every row with its effective period, newest
// first, and an editable note per row (rates are never edited: add a new price instead).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import formStyles from "~/components/forms/forms.css";
import { formatDateTime, formatRate } from "~/components/forms/price-format.ts";
import { fieldErrors } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { notFound, requireArea } from "~/services/auth.server.ts";
import { failedAction } from "~/services/action-error.server.ts";
import { priceHistory, updatePriceNote } from "~/services/pricing.page.server.ts";
import type { LlmPriceJson, SandboxPriceJson } from "~/services/pricing.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? "Price history"} · Pricing · Tollgate` }];

function keyOf(url: URL) {
  const tier = url.searchParams.get("tier");
  if (tier) return { kind: "sandbox" as const, tier, title: `Sandbox tier ${tier}` };
  const provider = url.searchParams.get("provider") ?? "";
  const model = url.searchParams.get("model") ?? "";
  return { kind: "llm" as const, provider, model, title: `${provider}/${model}` };
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "pricing");
  const key = keyOf(new URL(request.url));
  const rows = await priceHistory(key.kind, key);
  if (rows.length === 0) throw notFound();
  return { ...key, rows: rows as (LlmPriceJson | SandboxPriceJson)[] };
}

const NoteForm = z.object({ id: z.string().min(1), note: safeText({ multiline: true }).trim().max(500, "at most 500 characters") });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireArea(request, "pricing");
  const key = keyOf(new URL(request.url));
  const parsed = NoteForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return { id: null, errors: fieldErrors(parsed.error) };
  try {
    await updatePriceNote(actorFor(user), key.kind, parsed.data.id, parsed.data.note);
    return { id: parsed.data.id, saved: true, errors: {} };
  } catch (e) {
    return failedAction(e, { id: parsed.data.id, saved: false });
  }
}

type Row = Awaited<ReturnType<typeof loader>>["rows"][number];

function NoteCell({ row }: { row: Row }) {
  const result = useActionData<typeof action>();
  const mine = result && "id" in result && (result.id === row.id || result.id === null);
  const error = mine ? (result.errors as Record<string, string>).note : undefined;
  return (
    <Form method="post" className="inline-form" aria-label={`Note of the price from ${formatDateTime(row.effectiveFrom)}`}>
      <input type="hidden" name="id" value={row.id} />
      <input
        type="text"
        name="note"
        defaultValue={row.note}
        maxLength={500}
        aria-label={`Note for the price from ${formatDateTime(row.effectiveFrom)}`}
        aria-invalid={error ? true : undefined}
      />
      <button type="submit" className="button button--small">
        Save note
      </button>
      {mine && result.id === row.id && "saved" in result && <span role="status">Saved</span>}
      {error && <span className="field-error">{error}</span>}
    </Form>
  );
}

export default function PriceHistory() {
  const data = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const rateColumns: ColumnDef<Row, any>[] =
    data.kind === "llm"
      ? [
          { id: "input", accessorFn: (r) => ("inputUsdPerMillion" in r ? r.inputUsdPerMillion : 0), header: "Input $/1M", cell: ({ getValue }) => formatRate(getValue()), meta: { numeric: true } },
          { id: "output", accessorFn: (r) => ("outputUsdPerMillion" in r ? r.outputUsdPerMillion : 0), header: "Output $/1M", cell: ({ getValue }) => formatRate(getValue()), meta: { numeric: true } },
          {
            id: "cached",
            accessorFn: (r) => ("cachedInputUsdPerMillion" in r ? r.cachedInputUsdPerMillion : null),
            header: "Cached $/1M",
            cell: ({ getValue }) => (getValue() === null ? "—" : formatRate(getValue())),
            meta: { numeric: true, optional: true },
          },
        ]
      : [{ id: "rate", accessorFn: (r) => ("usdPerSecond" in r ? r.usdPerSecond : 0), header: "USD per second", cell: ({ getValue }) => formatRate(getValue()), meta: { numeric: true } }];
  const columns: ColumnDef<Row, any>[] = [
    { accessorKey: "effectiveFrom", header: "Effective from", cell: ({ getValue }) => formatDateTime(getValue()) },
    {
      accessorKey: "effectiveTo",
      header: "Effective to",
      cell: ({ getValue }) => (getValue() ? formatDateTime(getValue()) : <span className="badge badge--active">in effect</span>),
    },
    ...rateColumns,
    { id: "note", header: "Note", enableSorting: false, cell: ({ row }) => <NoteCell row={row.original} />, meta: { optional: false } },
  ];
  const addHref =
    data.kind === "llm"
      ? `/pricing/new?${new URLSearchParams({ provider: data.provider ?? "", model: data.model ?? "" })}`
      : `/pricing/new?kind=sandbox&tier=${data.tier}`;
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to="/pricing">Pricing</Link> /
        </p>
        <h1>Price history: {data.title}</h1>
        <p className="muted">Every price this {data.kind === "llm" ? "model" : "tier"} has had. Times are UTC.</p>
      </div>
      {params.get("added") && (
        <p className="notice notice--ok" role="status">
          The new price was added; the previous one now ends where it starts.
        </p>
      )}
      <div className="form-actions" style={{ marginBottom: "1rem" }}>
        <Link className="button button--primary" to={addHref}>
          Add a new price for {data.title}
        </Link>
      </div>
      <DataTable columns={columns} data={data.rows} caption={`Price history of ${data.title}`} getRowId={(r) => r.id} />
    </>
  );
}
