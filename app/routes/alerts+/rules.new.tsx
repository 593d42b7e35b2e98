// New alert rule. On a tenant's page only that tenant's channels can be chosen.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { RuleForm } from "~/components/alerts/rule-form.tsx";
import formStyles from "~/components/forms/forms.css";
import { listChannels } from "~/services/alerts/channels.page.server.ts";
import { alertContext, invalid, pickableTenants } from "~/services/alerts/context.page.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { createRule, ruleFormValues } from "~/services/alerts/rules.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${alertsTitle("New alert rule", data?.tenantName ?? null)} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  const [channels, tenants] = await Promise.all([listChannels(ctx.scope), pickableTenants(ctx)]);
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, channels, tenants: ctx.scope.kind === "staff" ? tenants : null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const ctx = await alertContext(request, params);
  const values = ruleFormValues(await request.formData());
  try {
    await createRule(ctx.actor, ctx.scope, values);
    return redirect(`${ctx.base}/rules?created=1`);
  } catch (e) {
    return invalid({ errors: actionError(e).errors, values });
  }
}

export default function NewRule() {
  const { base, tenantName, channels, tenants } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={alertsTitle("New alert rule", tenantName)} crumb={{ to: `${base}/rules`, label: "Alert rules" }} />
      {channels.length === 0 ? (
        <p className="card">
          There is no channel to send alerts to yet. <Link to={`${base}/channels/new`}>Create a channel</Link> first.
        </p>
      ) : (
        <RuleForm
          values={result?.values ?? { channelId: params.get("channel") ?? "", kind: "quota_threshold" }}
          channels={channels}
          tenants={tenants ?? undefined}
          errors={result?.errors}
          busy={busy}
          submitLabel="Create rule"
        >
          <Link to={`${base}/rules`}>Cancel</Link>
        </RuleForm>
      )}
    </>
  );
}
