// Admin and ops: sandbox errors by lifecycle stage over a date range, the daily trend, and the
// most recent errors, filterable by stage and tenant (all in the URL).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useLocation } from "@remix-run/react";
import adminStyles from "~/components/admin/admin.css";
import { Field, FilterActions } from "~/components/forms/field.tsx";
import { formatTime } from "~/components/format.ts";
import { ErrorsByStageChart, ErrorsPerDayChart, STAGE_LABEL } from "~/components/charts/sandbox-error-charts.tsx";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { requireArea } from "~/services/auth.server.ts";
import { getSandboxErrorReport, parseSandboxErrorQuery, RECENT_LIMIT, SANDBOX_STAGES } from "~/services/sandbox-errors.server.ts";
import { tenantOptionsMayBeStale } from "~/services/tenants.server.ts";
import { TenantOptions } from "~/components/forms/tenant-options.tsx";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Sandbox errors · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "sandboxErrors");
  const { query, issues } = parseSandboxErrorQuery(new URL(request.url).searchParams);
  const [report, tenants] = await Promise.all([getSandboxErrorReport(query), tenantOptionsMayBeStale()]);
  // The stages and the list's length travel in the data: a .server module's constants do not reach the browser.
  return { query, issues, report, tenants, stages: SANDBOX_STAGES, recentLimit: RECENT_LIMIT };
}

type Recent = Awaited<ReturnType<typeof loader>>["report"]["recent"][number];

const columns: ColumnDef<Recent, any>[] = [
  { accessorKey: "occurredAt", header: "Time (UTC)", cell: ({ row }) => formatTime(row.original.occurredAt), sortDescFirst: true },
  { accessorKey: "tenantSlug", header: "Tenant" },
  { accessorKey: "stage", header: "Stage", cell: ({ row }) => STAGE_LABEL[row.original.stage] ?? row.original.stage },
  { accessorKey: "errorType", header: "Type", cell: ({ row }) => <code>{row.original.errorType}</code> },
  { accessorKey: "operation", header: "Operation", meta: { optional: true } },
];

export default function SandboxErrors() {
  const { query, issues, report, tenants, stages, recentLimit } = useLoaderData<typeof loader>();
  const location = useLocation();
  const scope = `${query.from} to ${query.to}${query.tenant ? `, tenant ${query.tenant}` : ""}`;
  return (
    <>
      <div className="page-head">
        <h1>Sandbox errors</h1>
        <p className="muted">Where in a sandbox’s lifecycle things fail. Days are UTC, both ends included.</p>
      </div>
      <Form method="get" className="filter-form card" aria-label="Filter sandbox errors" key={location.search}>
        <Field id="se-from" name="from" label="From">
          {(p) => <input {...p} type="date" defaultValue={query.from} />}
        </Field>
        <Field id="se-to" name="to" label="To (included)">
          {(p) => <input {...p} type="date" defaultValue={query.to} />}
        </Field>
        <Field id="se-tenant" name="tenant" label="Tenant">
          {(p) => (
            <select {...p} defaultValue={query.tenant ?? ""}>
              <TenantOptions tenants={tenants} />
            </select>
          )}
        </Field>
        <Field id="se-stage" name="stage" label="Stage">
          {(p) => (
            <select {...p} defaultValue={query.stage ?? ""}>
              <option value="">All stages</option>
              {stages.map((s) => (
                <option key={s} value={s}>
                  {STAGE_LABEL[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <FilterActions resetTo="/sandbox-errors" />
      </Form>
      {issues.length > 0 && (
        <p className="form-error" role="alert">
          {issues.join(" ")} Showing the last 30 days instead where the range was not usable.
        </p>
      )}
      {report.total === 0 ? (
        <div className="empty-state" role="status">
          <h2>No sandbox errors</h2>
          <p>No sandbox error was reported for {scope}.</p>
        </div>
      ) : (
        <div className="grid-2">
          <section className="card" aria-labelledby="by-stage">
            <h2 id="by-stage">
              Errors by stage <span className="muted">({report.total.toLocaleString("en-US")} in total)</span>
            </h2>
            <ErrorsByStageChart data={report.byStage} title={`Sandbox errors by lifecycle stage, ${scope}`} />
          </section>
          <section className="card" aria-labelledby="per-day">
            <h2 id="per-day">Errors per day{query.stage ? ` · ${STAGE_LABEL[query.stage]}` : ""}</h2>
            <ErrorsPerDayChart data={report.daily} title={`Sandbox errors per day, ${scope}`} />
          </section>
        </div>
      )}
      <section aria-labelledby="recent" style={{ marginTop: "1.25rem" }}>
        <h2 id="recent">Recent errors</h2>
        <p className="muted">The {recentLimit} most recent matching errors, newest first.</p>
        <DataTable
          columns={columns}
          data={report.recent}
          caption="Recent sandbox errors"
          emptyMessage="No errors match these filters."
          getRowId={(r) => r.id}
        />
      </section>
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
