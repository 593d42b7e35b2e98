// Edit or delete one alert rule; a rule outside the viewer's scope answers 404.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { RuleForm } from "~/components/alerts/rule-form.tsx";
import formStyles from "~/components/forms/forms.css";
import { listChannels } from "~/services/alerts/channels.page.server.ts";
import { alertContext, invalid, orNotFound, pickableTenants } from "~/services/alerts/context.page.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { deleteRule, getRule, ruleFormValues, updateRule } from "~/services/alerts/rules.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${alertsTitle("Edit alert rule", data?.tenantName ?? null)} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  const rule = await orNotFound(() => getRule(ctx.scope, params.ruleId ?? ""));
  const [channels, tenants] = await Promise.all([listChannels(ctx.scope), pickableTenants(ctx)]);
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, rule, channels, tenants: ctx.scope.kind === "staff" ? tenants : null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const ctx = await alertContext(request, params);
  const id = params.ruleId ?? "";
  const form = await request.formData();
  const values = ruleFormValues(form);
  try {
    if (form.get("intent") === "delete") {
      await deleteRule(ctx.actor, ctx.scope, id);
      return redirect(`${ctx.base}/rules?deleted=1`);
    }
    await updateRule(ctx.actor, ctx.scope, id, values);
    return redirect(`${ctx.base}/rules?saved=1`);
  } catch (e) {
    return invalid({ errors: actionError(e).errors, values });
  }
}

export default function EditRule() {
  const { base, tenantName, rule, channels, tenants } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={alertsTitle("Edit alert rule", tenantName)} crumb={{ to: `${base}/rules`, label: "Alert rules" }} />
      <RuleForm values={result?.values ?? rule} channels={channels} tenants={tenants ?? undefined} errors={result?.errors} busy={busy} submitLabel="Save changes">
        <Link to={`${base}/rules`}>Cancel</Link>
      </RuleForm>
      <Form method="post" className="card" onSubmit={(e) => !confirm("Delete this rule?") && e.preventDefault()}>
        <h2>Delete</h2>
        <p className="muted">Events already in the outbox are still delivered. To pause the rule, untick “Enabled” instead.</p>
        <input type="hidden" name="intent" value="delete" />
        <button type="submit" className="button button--danger">
          Delete rule
        </button>
      </Form>
    </>
  );
}
