// Admin and finance: the audit log of every administrative change, filtered in the URL,
// newest first, keyset-paged; each entry expands to its before/after diff.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import adminStyles from "~/components/admin/admin.css";
import { Field } from "~/components/forms/field.tsx";
import { formatTime } from "~/components/format.ts";
import { JsonDiff } from "~/components/admin/json-diff.tsx";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { diffFields, listAuditLog, auditFilterOptions, parseAuditFilters } from "~/services/audit.page.server.ts";
import { requireArea } from "~/services/auth.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";


export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Audit log · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "audit");
  const { filters, issues } = parseAuditFilters(new URL(request.url).searchParams);
  const [page, options, tenants] = await Promise.all([listAuditLog(filters), auditFilterOptions(), tenantOptions()]);
  return {
    filters,
    issues,
    options,
    tenants,
    nextCursor: page.nextCursor,
    rows: page.rows.map(({ before, after, ...row }) => ({ ...row, changes: diffFields(before, after) })),
  };
}

type Row = Awaited<ReturnType<typeof loader>>["rows"][number];

const columns: ColumnDef<Row, any>[] = [
  { accessorKey: "at", header: "When (UTC)", cell: ({ row }) => formatTime(row.original.at), enableSorting: false },
  { accessorKey: "actorLabel", header: "Actor", enableSorting: false },
  { accessorKey: "action", header: "Action", cell: ({ row }) => <code>{row.original.action}</code>, enableSorting: false },
  {
    id: "entity",
    header: "Entity",
    enableSorting: false,
    meta: { optional: true },
    cell: ({ row }) => (
      <>
        {row.original.entityType}
        {row.original.entityId && <span className="muted"> {row.original.entityId.slice(0, 8)}</span>}
      </>
    ),
  },
  { id: "tenant", header: "Tenant", enableSorting: false, meta: { optional: true }, cell: ({ row }) => row.original.tenantSlug ?? "—" },
  {
    id: "changes",
    header: "Changes",
    enableSorting: false,
    cell: ({ row }) => {
      const changed = row.original.changes.filter((c) => c.changed).length;
      return (
        <details className="audit-entry" data-testid={`audit-${row.original.id}`}>
          <summary>
            {changed} field{changed === 1 ? "" : "s"} changed
          </summary>
          <JsonDiff changes={row.original.changes} caption={`Before and after of ${row.original.action}`} />
        </details>
      );
    },
  },
];

export default function AuditLog() {
  const { filters, issues, options, tenants, rows, nextCursor } = useLoaderData<typeof loader>();
  const location = useLocation();
  const filtered = Boolean(filters.actor || filters.action || filters.entity || filters.tenant || filters.from || filters.to);
  const nextParams = new URLSearchParams(location.search);
  if (nextCursor) nextParams.set("cursor", nextCursor);
  const firstParams = new URLSearchParams(location.search);
  firstParams.delete("cursor");
  const issueFor = (f: string) => issues.find((i) => i.field === f)?.message;
  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
        <p className="muted">Every administrative change, who made it and what it changed. Newest first; times are UTC.</p>
      </div>
      <Form method="get" className="filter-form card" aria-label="Filter the audit log" key={location.search}>
        <Field id="f-actor" name="actor" label="Actor" error={issueFor("actor")}>
          {(p) => <input {...p} type="search" defaultValue={filters.actor} placeholder="email or key name" />}
        </Field>
        <Field id="f-action" name="action" label="Action">
          {(p) => (
            <select {...p} defaultValue={filters.action ?? ""}>
              <option value="">Any</option>
              {options.actions.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          )}
        </Field>
        <Field id="f-entity" name="entity" label="Entity type">
          {(p) => (
            <select {...p} defaultValue={filters.entity ?? ""}>
              <option value="">Any</option>
              {options.entityTypes.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          )}
        </Field>
        <Field id="f-tenant" name="tenant" label="Tenant">
          {(p) => (
            <select {...p} defaultValue={filters.tenant ?? ""}>
              <option value="">Any</option>
              {tenants.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="f-from" name="from" label="From" error={issueFor("from")}>
          {(p) => <input {...p} type="date" defaultValue={filters.from} />}
        </Field>
        <Field id="f-to" name="to" label="To (included)" error={issueFor("to")}>
          {(p) => <input {...p} type="date" defaultValue={filters.to} />}
        </Field>
        <div className="filter-actions">
          <button type="submit" className="button button--primary">
            Filter
          </button>
          {filtered && <Link to="/audit">Clear</Link>}
        </div>
      </Form>
      {issues.length > 0 && (
        <p className="form-error" role="alert">
          Some filters were not understood and are ignored: {issues.map((i) => i.message).join(" ")}
        </p>
      )}
      <DataTable
        columns={columns}
        data={rows}
        caption="Audit log entries, newest first"
        emptyMessage={filtered ? "No entries match these filters." : "No administrative changes have been made yet."}
        getRowId={(r) => r.id}
      />
      <nav className="pager" aria-label="Pages">
        {filters.cursor && <Link to={`/audit?${firstParams}`}>Newest</Link>}
        {nextCursor && (
          <Link to={`/audit?${nextParams}`} rel="next">
            Older entries
          </Link>
        )}
      </nav>
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
