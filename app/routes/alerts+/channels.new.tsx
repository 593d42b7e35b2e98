// New alert channel. Staff choose platform-wide or a tenant; on a tenant's page the channel
// belongs to that tenant whatever the form says.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { ChannelForm } from "~/components/alerts/channel-form.tsx";
import formStyles from "~/components/forms/forms.css";
import { channelFormValues, withoutSecrets } from "~/services/alerts/channel-input.page.server.ts";
import { createChannel } from "~/services/alerts/channels.page.server.ts";
import { alertContext, invalid, pickableTenants } from "~/services/alerts/context.page.server.ts";
import { actionError } from "~/services/action-error.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${alertsTitle("New alert channel", data?.tenantName ?? null)} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, tenants: ctx.scope.kind === "staff" ? await pickableTenants(ctx) : null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const ctx = await alertContext(request, params);
  const form = await request.formData();
  const values = channelFormValues(form);
  const tenantId = ctx.scope.kind === "tenant" ? ctx.scope.tenantId : String(form.get("tenantId") ?? "") || null;
  try {
    const c = await createChannel(ctx.actor, ctx.scope, tenantId, values);
    return redirect(`${ctx.base}/channels/${c.id}?created=1`);
  } catch (e) {
    // Secrets are never sent back: the form asks for them again.
    return invalid({ errors: actionError(e).errors, values: { ...withoutSecrets(values), tenantId } });
  }
}

export default function NewChannel() {
  const { base, tenantName, tenants } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={alertsTitle("New alert channel", tenantName)} crumb={{ to: base, label: "Alert channels" }}>
        <p className="muted">After saving, use “Send test” to check that the receiver gets it.</p>
      </AlertsHeader>
      <ChannelForm
        mode="create"
        values={result?.values ?? { type: params.get("type") ?? "webhook", tenantId: params.get("tenant") ?? "" }}
        tenants={tenants ?? undefined}
        errors={result?.errors}
        busy={busy}
        submitLabel="Create channel"
      >
        <Link to={base}>Cancel</Link>
      </ChannelForm>
    </>
  );
}
