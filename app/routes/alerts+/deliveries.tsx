// The delivery log: every alert event with its status, attempts, next attempt and last error,
// filtered by status, channel and kind (in the URL), newest first and keyset-paged (Older/Newer
// with the cursor in the URL); dead-lettered events can be re-sent.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { deliveryColumns } from "~/components/alerts/delivery-columns.tsx";
import { RULE_KIND_LABEL } from "~/components/alerts/rule-labels.ts";
import { DataTable } from "~/components/data-table.tsx";
import { Field, FormError, Options } from "~/components/forms/field.tsx";
import { Pager } from "~/components/pager.tsx";
import formStyles from "~/components/forms/forms.css";
import { alertKind } from "~/schemas/alerts.ts";
import { PAGE_LINK_HINT, pageSearch, parsePageRequest } from "~/schemas/page-cursor.ts";
import { listChannels } from "~/services/alerts/channels.page.server.ts";
import { alertContext, invalid } from "~/services/alerts/context.page.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { DELIVERY_PAGE_SIZE, deliveryCursor, EVENT_STATUSES, listDeliveries, resendDeadEvent } from "~/services/alerts/deliveries.page.server.ts";
import { notFound } from "~/services/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${alertsTitle("Alert delivery log", data?.tenantName ?? null)} · Tollgate` }];

// Filters are only filters: a bad value is dropped rather than answered with an error.
const Filters = z.object({
  status: z.enum(EVENT_STATUSES).optional().catch(undefined),
  channelId: z.uuid().optional().catch(undefined),
  kind: alertKind.optional().catch(undefined),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  const search = new URL(request.url).searchParams;
  const filters = Filters.parse(Object.fromEntries([...search].filter(([, v]) => v !== "")));
  const { request: pageRequest, damaged } = parsePageRequest(search, deliveryCursor);
  const [page, channels] = await Promise.all([listDeliveries(ctx.scope, filters, pageRequest, DELIVERY_PAGE_SIZE, ctx.staffViewer), listChannels(ctx.scope)]);
  const paged = Boolean(pageRequest.after || pageRequest.before);
  // The page size travels in the data: a .server module's constants do not reach the browser.
  const pageSize = DELIVERY_PAGE_SIZE;
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, staffPage: ctx.scope.kind === "staff", filters, page, paged, damaged, pageSize, channels };
}

const Resend = z.object({ intent: z.literal("resend"), id: z.string().min(1) });

export async function action({ request, params }: ActionFunctionArgs) {
  const ctx = await alertContext(request, params);
  const parsed = Resend.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) throw notFound();
  try {
    await resendDeadEvent(ctx.actor, ctx.scope, parsed.data.id);
    return { message: "Event queued again: the worker delivers it on its next run.", errors: {} as Record<string, string> };
  } catch (e) {
    return invalid({ message: null, errors: actionError(e).errors });
  }
}

export default function Deliveries() {
  const { base, tenantName, staffPage, filters, page, paged, damaged, pageSize, channels } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const location = useLocation();
  const filtered = Object.values(filters).some(Boolean);
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={alertsTitle("Alerts", tenantName)}>
        <p className="muted">Events are retried with backoff and dead-lettered after the last attempt. Newest first, {pageSize} per page.</p>
      </AlertsHeader>
      {result?.message && (
        <p className="notice notice--ok" role="status">
          {result.message}
        </p>
      )}
      <FormError message={result?.errors.form} />
      {damaged && (
        <p className="form-error" role="alert">
          {PAGE_LINK_HINT} Showing the newest events.
        </p>
      )}
      <Form method="get" className="filter-form alerts-filter" aria-label="Filter deliveries">
        <Field name="status" label="Status" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.status ?? ""}>
              <option value="">Any</option>
              <Options values={EVENT_STATUSES} />
            </select>
          )}
        </Field>
        <Field name="channelId" label="Channel" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.channelId ?? ""}>
              <option value="">Any</option>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="kind" label="Kind" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.kind ?? ""}>
              <option value="">Any</option>
              <Options values={Object.keys(RULE_KIND_LABEL)} labels={RULE_KIND_LABEL} />
            </select>
          )}
        </Field>
        <button type="submit" className="button">
          Filter
        </button>
        {filtered && <Link to={`${base}/deliveries`}>Clear</Link>}
      </Form>
      <DataTable
        columns={deliveryColumns(base, staffPage)}
        data={page.rows}
        caption="Alert deliveries, newest first"
        getRowId={(d) => d.id}
        sortable={false}
        emptyMessage={filtered ? "No event matches these filters." : "No alerts have been sent yet."}
      />
      <Pager label="Pages of deliveries" page={page} paged={paged} href={(p) => `${location.pathname}${pageSearch(location.search, p)}`} />
    </>
  );
}
