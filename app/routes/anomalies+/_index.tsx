// Admin and ops: the anomaly findings of every tenant, filtered by status, tenant and resource
// (in the URL), newest first and keyset-paged (Older/Newer with the cursor in the URL), with
// acknowledge / dismiss / re-open per finding (audited).
import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import adminStyles from "~/components/admin/admin.css";
import { Field, FilterActions } from "~/components/forms/field.tsx";
import analysisStyles from "~/components/analysis/analysis.css";
import { anomalyColumns, anomalyRecordsHref, anomalyWhen, STATUS_LABEL } from "~/components/analysis/anomaly-columns.tsx";
import { errorStatus, errorTitle } from "~/components/error-page.tsx";
import { DataTable } from "~/components/data-table.tsx";
import { Pager } from "~/components/pager.tsx";
import spendStyles from "~/components/spend.css";
import { ANOMALY_STATUSES, parseAnomalyFilters, REVIEW_INTENTS, reviewForm } from "~/schemas/anomalies.ts";
import { PAGE_LINK_HINT, pageSearch, parsePageRequest } from "~/schemas/page-cursor.ts";
import { setAnomalyStatus } from "~/services/analysis/queries.server.ts";
import { FINDINGS_PAGE_SIZE, findingCursor, listFindings, type FindingRow } from "~/services/anomalies.page.server.ts";
import { actorFor } from "~/services/audit.server.ts";
import { notFound, requireArea } from "~/services/auth.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";
import { TenantOptions } from "~/components/forms/tenant-options.tsx";


export const links: LinksFunction = () => [
  { rel: "stylesheet", href: adminStyles },
  { rel: "stylesheet", href: spendStyles },
  { rel: "stylesheet", href: analysisStyles },
];
// With this page's own error boundary, the title must name the error (e.g. a 404 for other roles).
export const meta: MetaFunction = ({ error }) => [{ title: error ? `${errorTitle(errorStatus(error))} · Tollgate` : "Anomalies · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "anomalies");
  const search = new URL(request.url).searchParams;
  const filters = parseAnomalyFilters(search);
  const { request: pageRequest, damaged } = parsePageRequest(search, findingCursor);
  const [findings, tenants] = await Promise.all([listFindings(filters, pageRequest), tenantOptions()]);
  // The page size travels in the data: a .server module's constants do not reach the browser.
  return { filters, tenants, paged: Boolean(pageRequest.after || pageRequest.before), damaged, pageSize: FINDINGS_PAGE_SIZE, ...findings };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireArea(request, "anomalies");
  const parsed = reviewForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return data({ ok: false as const, message: parsed.error.issues.map((i) => i.message).join("; ") }, { status: 400 });
  try {
    const f = await setAnomalyStatus({ id: parsed.data.id, status: REVIEW_INTENTS[parsed.data.intent], actor: actorFor(user) });
    return { ok: true as const, message: `${STATUS_LABEL[f.status]}: ${f.tenantName}, ${f.resource === "llm" ? "LLM" : "sandbox"}, ${anomalyWhen(f)}.` };
  } catch (e) {
    const f = actionError(e);
    return data({ ok: false as const, message: f.message }, { status: f.status });
  }
}

function ReviewButtons({ f }: { f: FindingRow }) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("id") === f.id;
  const what = `the ${f.tenantName} finding of ${anomalyWhen(f)}`;
  const button = (intent: keyof typeof REVIEW_INTENTS, label: string) => (
    <button type="submit" name="intent" value={intent} className="button button--quiet" disabled={busy} aria-label={`${label} ${what}`}>
      {label}
    </button>
  );
  return (
    <Form method="post" className="review-actions" preventScrollReset>
      <input type="hidden" name="id" value={f.id} />
      {f.status === "open" ? (
        <>
          {button("acknowledge", "Acknowledge")}
          {button("dismiss", "Dismiss")}
        </>
      ) : (
        button("reopen", "Re-open")
      )}
    </Form>
  );
}

const columns = anomalyColumns<FindingRow>({
  lead: (f) => <Link to={`/t/${f.tenantSlug}`}>{f.tenantName}</Link>,
  review: (f) => <ReviewButtons f={f} />,
  recordsHref: (f) => anomalyRecordsHref(f, "/records", f.tenantSlug),
});

export default function Anomalies() {
  const { filters, tenants, rows, total, next, previous, paged, damaged, pageSize } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const location = useLocation();
  const shown = filters.status === "all" ? "findings" : `${filters.status} findings`;
  return (
    <>
      <div className="page-head">
        <h1>Anomalies</h1>
        <p className="muted">
          Days and hours whose spend was far above the tenant's usual pattern for that weekday (median of the last 28 days).
          Acknowledge what you are handling, dismiss what is expected. Every review is in the audit log.
        </p>
      </div>
      <Form method="get" className="filter-form card" aria-label="Filter anomalies" key={location.search}>
        <Field id="an-status" name="status" label="Status">
          {(p) => (
            <select {...p} defaultValue={filters.status}>
              {ANOMALY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
              <option value="all">All</option>
            </select>
          )}
        </Field>
        <Field id="an-tenant" name="tenant" label="Tenant">
          {(p) => (
            <select {...p} defaultValue={filters.tenant ?? ""}>
              <TenantOptions tenants={tenants} />
            </select>
          )}
        </Field>
        <Field id="an-resource" name="resource" label="Resource">
          {(p) => (
            <select {...p} defaultValue={filters.resource ?? ""}>
              <option value="">LLM and sandbox</option>
              <option value="llm">LLM</option>
              <option value="sandbox">Sandbox</option>
            </select>
          )}
        </Field>
        <FilterActions resetTo="/anomalies" />
      </Form>
      {damaged && (
        <p className="form-error" role="alert">
          {PAGE_LINK_HINT} Showing the newest findings.
        </p>
      )}
      {result && (
        <p className={result.ok ? "notice notice--ok" : "form-error"} role={result.ok ? "status" : "alert"}>
          {result.message}
        </p>
      )}
      <section aria-labelledby="findings">
        <h2 id="findings">
          {total.toLocaleString("en-US")} {shown}
          {total > pageSize && <span className="muted"> ({pageSize} per page)</span>}
        </h2>
        <DataTable
          columns={columns}
          data={rows}
          caption="Anomaly findings, newest first"
          sortable={false}
          emptyMessage={`No ${shown} match these filters.`}
          getRowId={(r) => r.id}
        />
        <Pager
          label="Pages of findings"
          page={{ next, previous }}
          paged={paged}
          href={(p) => `${location.pathname}${pageSearch(location.search, p)}`}
        />
      </section>
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
