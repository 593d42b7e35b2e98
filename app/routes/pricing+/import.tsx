// Bulk LLM price import: paste or upload a CSV (the columns of the seed file), see every row's
// errors and what would change (a dry run: nothing is written), then import a file with no
// errors in one audited transaction. The confirmed text travels back in a hidden field and is
// validated again, so what is imported is exactly what was previewed.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import formStyles from "~/components/forms/forms.css";
import { PRICING_ROLES, formatDateTime, formatRate } from "~/components/forms/price-format.ts";
import { Field, FormError } from "~/components/forms/field.tsx";
import { TollgateError } from "~/core/index.ts";
import { requireUser } from "~/services/auth.server.ts";
import { importPrices, MAX_IMPORT_BYTES, PRICE_CSV_COLUMNS, previewPriceImport, type ImportIssue, type ImportPreview, type PlannedChange } from "~/services/price-import.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "Import prices · Pricing · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { roles: PRICING_ROLES });
  // From the loader: the service module is server-only, so the page cannot import its constants.
  return { columns: PRICE_CSV_COLUMNS.join(",") };
}

type Result =
  | { step: "preview"; csv: string; preview: ImportPreview }
  | { step: "done"; imported: number }
  | { step: "error"; csv: string; message: string; preview?: ImportPreview };

export async function action({ request }: ActionFunctionArgs): Promise<Result> {
  const user = await requireUser(request, { roles: PRICING_ROLES });
  const form = await request.formData();
  const file = form.get("file");
  let csv = String(form.get("csv") ?? "");
  if (file && typeof file !== "string" && file.size > 0) {
    if (file.size > MAX_IMPORT_BYTES) return { step: "error", csv: "", message: `The file is larger than ${MAX_IMPORT_BYTES / 1024} KiB.` };
    csv = await file.text();
  }
  if (csv.trim() === "") return { step: "error", csv, message: "Choose a CSV file or paste its contents." };
  if (form.get("intent") !== "import") return { step: "preview", csv, preview: await previewPriceImport(csv) };
  try {
    const { imported } = await importPrices({ id: user.id, label: `user:${user.email}` }, csv);
    return { step: "done", imported };
  } catch (e) {
    if (e instanceof TollgateError && (e.code === "invalid_request" || e.code === "conflict")) {
      return { step: "error", csv, message: e.message, preview: await previewPriceImport(csv) };
    }
    throw e;
  }
}

export default function ImportPrices() {
  const { columns } = useLoaderData<typeof loader>();
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
        <h1>Import LLM prices from CSV</h1>
        <p className="muted">
          Columns: <code className="break-anywhere">{columns}</code> (cached price and note may be blank; dates as YYYY-MM-DD
          or ISO times, UTC). Each row adds a price that closes the model's current one. Previewing writes nothing.
        </p>
      </div>
      {result?.step === "done" && (
        <p className="notice notice--ok" role="status">
          Imported {result.imported} {result.imported === 1 ? "price" : "prices"}. <Link to="/pricing">Back to pricing</Link>
        </p>
      )}
      <Form method="post" encType="multipart/form-data" className="card" key={result?.step === "done" ? "done" : "form"}>
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
      {preview && <PreviewReport preview={preview} csv={csv} busy={busy} />}
    </>
  );
}

const issueColumns: ColumnDef<ImportIssue, any>[] = [
  { accessorKey: "row", header: "Row", meta: { numeric: true } },
  { accessorKey: "column", header: "Column", cell: ({ getValue }) => <code>{getValue()}</code> },
  { accessorKey: "message", header: "Error", enableSorting: false },
];

const changeColumns: ColumnDef<PlannedChange, any>[] = [
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
        ? `replaces ${formatRate(Number(c.previous.inputUsdPerMillion))} / ${formatRate(Number(c.previous.outputUsdPerMillion))} (since ${formatDateTime(c.previous.effectiveFrom)})`
        : "new model",
    meta: { optional: true },
  },
];

function PreviewReport({ preview, csv, busy }: { preview: ImportPreview; csv: string; busy: boolean }) {
  const { issues, changes } = preview;
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
          <input type="hidden" name="csv" value={csv} />
          <p role="status" style={{ margin: 0 }}>
            No errors. {changes.length} {changes.length === 1 ? "price" : "prices"} will be added.
          </p>
          <button type="submit" name="intent" value="import" className="button button--primary" disabled={busy}>
            Import {changes.length} {changes.length === 1 ? "price" : "prices"}
          </button>
        </Form>
      )}
      {changes.length > 0 && (
        <>
          <h3>What would change{issues.length ? " (rows without errors)" : ""}</h3>
          <DataTable columns={changeColumns} data={changes} caption="Prices the import would add" getRowId={(c) => String(c.row)} />
        </>
      )}
    </section>
  );
}
