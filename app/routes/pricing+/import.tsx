// Bulk price import: LLM prices, or sandbox rates with ?kind=sandbox. Paste or upload a CSV (the
// columns of the seed files), see every row's errors and what would change (a dry run: nothing
// is written), then import a file with no errors in one audited transaction. The confirmed text
// travels back in a hidden field and is validated again, so what is imported is exactly what
// was previewed.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import formStyles from "~/components/forms/forms.css";
import { formatDateTime, formatRate } from "~/components/forms/price-format.ts";
import { Field, FormError } from "~/components/forms/field.tsx";
import { actorFor } from "~/services/audit.server.ts";
import { requireArea } from "~/services/auth.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import type { ImportIssue } from "~/services/price-import/file.ts";
import { MAX_IMPORT_BYTES } from "~/services/price-import/file.ts";
import { PRICE_IMPORT_FILES, previewImport, priceImportKind, runImport, type PriceImportKind } from "~/services/price-import/kinds.server.ts";
import type { PlannedChange } from "~/services/price-import/llm.server.ts";
import type { SandboxPlannedChange } from "~/services/price-import/sandbox.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.kind === "sandbox" ? "Import sandbox rates" : "Import prices"} · Pricing · Tollgate` },
];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "pricing");
  const kind = priceImportKind(new URL(request.url).searchParams.get("kind"));
  // From the loader: the service module is server-only, so the page cannot import its constants.
  return { kind, columns: PRICE_IMPORT_FILES[kind].columns.join(",") };
}

type Preview = Awaited<ReturnType<typeof previewImport>>;
type Result =
  | { step: "preview"; csv: string; preview: Preview }
  | { step: "done"; kind: PriceImportKind; imported: number }
  | { step: "error"; csv: string; message: string; preview?: Preview };

export async function action({ request }: ActionFunctionArgs): Promise<Result> {
  const user = await requireArea(request, "pricing");
  const form = await request.formData();
  const kind = priceImportKind(form.get("kind"));
  const file = form.get("file");
  let csv = String(form.get("csv") ?? "");
  if (file && typeof file !== "string" && file.size > 0) {
    if (file.size > MAX_IMPORT_BYTES) return { step: "error", csv: "", message: `The file is larger than ${MAX_IMPORT_BYTES / 1024} KiB.` };
    csv = await file.text();
  }
  if (csv.trim() === "") return { step: "error", csv, message: "Choose a CSV file or paste its contents." };
  if (form.get("intent") !== "import") return { step: "preview", csv, preview: await previewImport(kind, csv) };
  try {
    const { imported } = await runImport(kind, actorFor(user), csv);
    return { step: "done", kind, imported };
  } catch (e) {
    return { step: "error", csv, message: actionError(e).message, preview: await previewImport(kind, csv) };
  }
}

const WORDS = {
  llm: { title: "Import LLM prices from CSV", one: "price", many: "prices", closes: "the model's current price" },
  sandbox: { title: "Import sandbox rates from CSV", one: "rate", many: "rates", closes: "the tier's current rate" },
} as const;
const count = (n: number, kind: PriceImportKind) => `${n} ${n === 1 ? WORDS[kind].one : WORDS[kind].many}`;

export default function ImportPrices() {
  const { kind, columns } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const preview = result && "preview" in result ? result.preview : undefined;
  const csv = result && "csv" in result ? result.csv : "";
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to="/pricing">Pricing</Link> /
        </p>
        <h1>{WORDS[kind].title}</h1>
        <nav className="kind-switch" aria-label="What to import">
          <Link to="/pricing/import" aria-current={kind === "llm" ? "page" : undefined}>
            LLM prices
          </Link>
          <Link to="/pricing/import?kind=sandbox" aria-current={kind === "sandbox" ? "page" : undefined}>
            Sandbox rates
          </Link>
        </nav>
        <p className="muted">
          Columns: <code className="break-anywhere">{columns}</code> (
          {kind === "llm" ? "cached price and note may be blank" : "tier is standard, gpu, high-memory or high-cpu; USD per second; note may be blank"};
          dates as YYYY-MM-DD or ISO times, UTC). Each row adds a {WORDS[kind].one} that closes {WORDS[kind].closes}. Previewing
          writes nothing. <a href={`/pricing/import-example.csv?kind=${kind}`} download>Download an example file</a>
        </p>
      </div>
      {result?.step === "done" && (
        <p className="notice notice--ok" role="status">
          Imported {count(result.imported, result.kind)}. <Link to="/pricing">Back to pricing</Link>
        </p>
      )}
      <Form method="post" encType="multipart/form-data" className="card" key={`${kind}-${result?.step === "done" ? "done" : "form"}`}>
        <input type="hidden" name="kind" value={kind} />
        {result?.step === "error" && <FormError message={result.message} />}
        <Field name="file" label="CSV file" hint="Or paste the contents below.">
          {(p) => <input {...p} type="file" accept=".csv,text/csv" />}
        </Field>
        <Field name="csv" label="CSV contents">
          {(p) => <textarea {...p} rows={8} defaultValue={csv} spellCheck={false} />}
        </Field>
        <div className="form-actions">
          <button type="submit" name="intent" value="preview" className="button button--primary" disabled={busy}>
            Preview (dry run)
          </button>
        </div>
      </Form>
      {preview?.kind === kind && <PreviewReport preview={preview} csv={csv} busy={busy} />}
    </>
  );
}

const issueColumns: ColumnDef<ImportIssue, any>[] = [
  { accessorKey: "row", header: "Row", meta: { numeric: true } },
  { accessorKey: "column", header: "Column", cell: ({ getValue }) => <code>{getValue()}</code> },
  { accessorKey: "message", header: "Error", enableSorting: false },
];

const since = (p: { effectiveFrom: string }) => `(since ${formatDateTime(p.effectiveFrom)})`;

const llmChangeColumns: ColumnDef<PlannedChange, any>[] = [
  { accessorKey: "row", header: "Row", meta: { numeric: true } },
  { id: "model", accessorFn: (c) => `${c.provider}/${c.model}`, header: "Model" },
  { accessorKey: "inputUsdPerMillion", header: "Input $/1M", cell: ({ getValue }) => formatRate(Number(getValue())), meta: { numeric: true } },
  { accessorKey: "outputUsdPerMillion", header: "Output $/1M", cell: ({ getValue }) => formatRate(Number(getValue())), meta: { numeric: true } },
  { accessorKey: "effectiveFrom", header: "From", cell: ({ getValue }) => formatDateTime(getValue()) },
  {
    id: "change",
    header: "Change",
    enableSorting: false,
    cell: ({ row: { original: c } }) =>
      c.previous
        ? `replaces ${formatRate(Number(c.previous.inputUsdPerMillion))} / ${formatRate(Number(c.previous.outputUsdPerMillion))} ${since(c.previous)}`
        : "new model",
    meta: { optional: true },
  },
];

const sandboxChangeColumns: ColumnDef<SandboxPlannedChange, any>[] = [
  { accessorKey: "row", header: "Row", meta: { numeric: true } },
  { accessorKey: "tier", header: "Tier" },
  { accessorKey: "usdPerSecond", header: "USD per second", cell: ({ getValue }) => formatRate(Number(getValue())), meta: { numeric: true } },
  { accessorKey: "effectiveFrom", header: "From", cell: ({ getValue }) => formatDateTime(getValue()) },
  {
    id: "change",
    header: "Change",
    enableSorting: false,
    cell: ({ row: { original: c } }) => (c.previous ? `replaces ${formatRate(Number(c.previous.usdPerSecond))} ${since(c.previous)}` : "new tier"),
    meta: { optional: true },
  },
];

function PreviewReport({ preview, csv, busy }: { preview: Preview; csv: string; busy: boolean }) {
  const { kind, issues, changes } = preview;
  const caption = `${WORDS[kind].many[0].toUpperCase()}${WORDS[kind].many.slice(1)} the import would add`;
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      {issues.length > 0 ? (
        <>
          <p className="form-error" role="alert">
            {issues.length} {issues.length === 1 ? "error" : "errors"}: fix the file and preview again. Nothing was imported.
          </p>
          <DataTable columns={issueColumns} data={issues} caption="Errors by row" initialSorting={[]} />
        </>
      ) : (
        <Form method="post" className="form-actions">
          <input type="hidden" name="kind" value={kind} />
          <input type="hidden" name="csv" value={csv} />
          <p role="status" style={{ margin: 0 }}>
            No errors. {count(changes.length, kind)} will be added.
          </p>
          <button type="submit" name="intent" value="import" className="button button--primary" disabled={busy}>
            Import {count(changes.length, kind)}
          </button>
        </Form>
      )}
      {changes.length > 0 && (
        <>
          <h3>What would change{issues.length ? " (rows without errors)" : ""}</h3>
          {preview.kind === "llm" ? (
            <DataTable columns={llmChangeColumns} data={preview.changes} caption={caption} getRowId={(c) => String(c.row)} />
          ) : (
            <DataTable columns={sandboxChangeColumns} data={preview.changes} caption={caption} getRowId={(c) => String(c.row)} />
          )}
        </>
      )}
    </section>
  );
}
