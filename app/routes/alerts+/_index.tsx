// Alert channels: staff see platform-wide channels and every tenant's (filter by tenant); a
// tenant's page (/t/<slug>/alerts re-exports this module) shows only that tenant's channels.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { channelColumns } from "~/components/alerts/channel-columns.tsx";
import { DataTable } from "~/components/data-table.tsx";
import { Field, FormError } from "~/components/forms/field.tsx";
import formStyles from "~/components/forms/forms.css";
import { notFound } from "~/services/auth.server.ts";
import { listChannels, setChannelEnabled } from "~/services/alerts/channels.page.server.ts";
import { alertContext, invalid, pickableTenants } from "~/services/alerts/context.page.server.ts";
import { actionError } from "~/services/action-error.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${alertsTitle("Alert channels", data?.tenantName ?? null)} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  // A filter is only a filter: an unknown value shows everything rather than an error.
  const tenant = ctx.scope.kind === "staff" ? (new URL(request.url).searchParams.get("tenant") || undefined) : undefined;
  const [channels, tenants] = await Promise.all([listChannels(ctx.scope, { tenant }), pickableTenants(ctx)]);
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, staffPage: ctx.scope.kind === "staff", tenant: tenant ?? "", channels, tenants };
}

const Toggle = z.object({ id: z.string().min(1), enabled: z.enum(["true", "false"]) });

export async function action({ request, params }: ActionFunctionArgs) {
  const ctx = await alertContext(request, params);
  const parsed = Toggle.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) throw notFound();
  try {
    const c = await setChannelEnabled(ctx.actor, ctx.scope, parsed.data.id, parsed.data.enabled === "true");
    return { message: `Channel “${c.name}” ${c.enabled ? "enabled" : "disabled"}.`, errors: {} as Record<string, string> };
  } catch (e) {
    return invalid({ message: null, errors: actionError(e).errors });
  }
}

export default function AlertChannels() {
  const { base, tenantName, staffPage, tenant, channels, tenants } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const notice = result?.message ?? (params.get("created") ? "Channel created." : params.get("saved") ? "Channel saved." : params.get("deleted") ? "Channel deleted." : null);
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={alertsTitle("Alerts", tenantName)}>
        <p className="muted">
          Where alerts go: Slack, email, PagerDuty or a signed webhook. Rules decide which events reach which channel.
          {!staffPage && " Platform-wide channels are managed by the Tollgate operators."}
        </p>
      </AlertsHeader>
      <div className="form-actions" style={{ marginBottom: "1rem" }}>
        <Link className="button button--primary" to={`${base}/channels/new`}>
          New channel
        </Link>
      </div>
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <FormError message={result?.errors.form} />
      {staffPage && (
        <Form method="get" className="filter-form alerts-filter" aria-label="Filter channels">
          <Field name="tenant" label="Tenant" idPrefix="filter">
            {(p) => (
              <select {...p} defaultValue={tenant}>
                <option value="">All</option>
                <option value="platform">Platform-wide only</option>
                {tenants.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="button">
            Filter
          </button>
          {tenant && <Link to={base}>Clear</Link>}
        </Form>
      )}
      <DataTable
        columns={channelColumns(base, staffPage)}
        data={channels}
        caption="Alert channels"
        getRowId={(c) => c.id}
        emptyMessage={tenant ? "No channel matches this filter." : "No alert channels yet. Create one to start receiving alerts."}
      />
    </>
  );
}
