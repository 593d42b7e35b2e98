// Alert rules: which events go to which channel. Staff see every rule; a tenant's page
// (/t/<slug>/alerts/rules re-exports this module) only the rules on that tenant's channels.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { CHANNEL_TYPE_LABEL } from "~/components/alerts/channel-form.tsx";
import { RULE_KIND_LABEL, ruleConditions } from "~/components/alerts/rule-labels.ts";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import formStyles from "~/components/forms/forms.css";
import { alertContext } from "~/services/alerts/context.page.server.ts";
import { listRules, type RuleView } from "~/services/alerts/rules.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${alertsTitle("Alert rules", data?.tenantName ?? null)} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, staffPage: ctx.scope.kind === "staff", rules: await listRules(ctx.scope) };
}

function columns(base: string, staffPage: boolean): ColumnDef<RuleView, any>[] {
  const cols: ColumnDef<RuleView, any>[] = [
    {
      id: "kind",
      accessorFn: (r) => RULE_KIND_LABEL[r.kind] ?? r.kind,
      header: "Alert on",
      cell: ({ row: { original: r } }) => (
        <div className="cell-wrap cell-wrap--narrow">
          {RULE_KIND_LABEL[r.kind] ?? r.kind}
          <div className="muted cell-sub">
            {ruleConditions(r.params)}
            {r.enabled ? "" : " · disabled"}
          </div>
        </div>
      ),
    },
    {
      id: "channel",
      accessorFn: (r) => r.channelName,
      header: "Channel",
      cell: ({ row: { original: r } }) => (
        <div className="cell-wrap cell-wrap--narrow">
          <Link to={`${base}/channels/${r.channelId}`}>{r.channelName}</Link>
          <div className="muted cell-sub">{CHANNEL_TYPE_LABEL[r.channelType] ?? r.channelType}</div>
        </div>
      ),
    },
  ];
  if (staffPage) cols.push({ id: "tenant", accessorFn: (r) => r.tenantName ?? "Every tenant", header: "Tenant", meta: { optional: true } });
  cols.push(
    { id: "status", accessorFn: (r) => (r.enabled ? "Enabled" : "Disabled"), header: "Status", meta: { optional: true } },
    {
      id: "actions",
      header: "Actions",
      enableSorting: false,
      cell: ({ row: { original: r } }) => (
        <Link to={`${base}/rules/${r.id}`} aria-label={`Edit rule ${RULE_KIND_LABEL[r.kind]} → ${r.channelName}`}>
          Edit
        </Link>
      ),
    },
  );
  return cols;
}

export default function AlertRules() {
  const { base, tenantName, staffPage, rules } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const notice = params.get("created") ? "Rule created." : params.get("saved") ? "Rule saved." : params.get("deleted") ? "Rule deleted." : null;
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={alertsTitle("Alerts", tenantName)}>
        <p className="muted">A rule sends one kind of event to one channel. An event reaches each channel once, however many rules match.</p>
      </AlertsHeader>
      <div className="form-actions" style={{ marginBottom: "1rem" }}>
        <Link className="button button--primary" to={`${base}/rules/new`}>
          New rule
        </Link>
      </div>
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <DataTable columns={columns(base, staffPage)} data={rules} caption="Alert rules" getRowId={(r) => r.id} emptyMessage="No rules yet: no event is sent anywhere until a rule routes it to a channel." />
    </>
  );
}
