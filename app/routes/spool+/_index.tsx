// Admin and ops: the fail-open spool — what waits to be replayed, and the dead letters (entries
// the ledger refused on replay, or lines that could not be read) with their reasons.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import adminStyles from "~/components/admin/admin.css";
import { formatTime } from "~/components/format.ts";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { requireArea } from "~/services/auth.server.ts";
import { getSpoolPage, type DeadLetterRow } from "~/services/spool.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Spool · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "spool");
  return getSpoolPage();
}

const columns: ColumnDef<DeadLetterRow, any>[] = [
  { accessorKey: "at", header: "Time (UTC)", cell: ({ row }) => formatTime(row.original.at), sortDescFirst: true },
  { accessorKey: "kind", header: "Kind" },
  { accessorKey: "tenant", header: "Tenant", cell: ({ row }) => row.original.tenant ?? "—" },
  {
    id: "reason",
    header: "Reason",
    cell: ({ row }) => (
      <>
        <code>{row.original.reasonCode}</code> {row.original.reasonMessage}
      </>
    ),
    enableSorting: false,
  },
  { accessorKey: "source", header: "File", meta: { optional: true } },
];

export default function Spool() {
  const s = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <h1>Spool</h1>
        <p className="muted">
          In fail-open mode, costs are written to disk while the database is unreachable and replayed when it returns.
          Entries the ledger refuses are kept here as dead letters, with the reason; nothing is dropped.
        </p>
      </div>
      <dl className="card spool-counts" aria-label="Spool status">
        <div>
          <dt>Fail mode</dt>
          <dd>{s.mode}</dd>
        </div>
        <div>
          <dt>Waiting to be replayed</dt>
          <dd data-testid="spool-backlog">{s.backlog.toLocaleString("en-US")}</dd>
        </div>
        <div>
          <dt>Dead letters</dt>
          <dd data-testid="spool-dead-letters">{s.deadLetterCount.toLocaleString("en-US")}</dd>
        </div>
      </dl>
      {s.mode === "closed" && s.backlog > 0 && (
        <p className="form-error" role="alert">
          Entries spooled by an earlier fail-open run are waiting; fail-closed instances do not replay them. Run an instance
          with QUOTA_FAIL_MODE=open on this spool directory to apply them.
        </p>
      )}
      {s.deadLetterCount === 0 ? (
        <div className="empty-state" role="status">
          <h2>No dead letters</h2>
          <p>Every spooled entry replayed so far was applied to the ledger.</p>
        </div>
      ) : (
        <section aria-labelledby="dead-letters">
          <h2 id="dead-letters">Dead letters</h2>
          <p className="muted">
            {s.shown < s.deadLetterCount ? `The ${s.shown} newest of ${s.deadLetterCount}. ` : ""}
            Each is kept with its entry in the spool directory (dead-*.jsonl) for repair and re-entry.
          </p>
          <DataTable columns={columns} data={s.deadLetters} caption="Dead letters, newest first" emptyMessage="No dead letters." getRowId={(d) => d.id} />
        </section>
      )}
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
