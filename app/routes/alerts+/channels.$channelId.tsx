// One alert channel: edit its settings (secrets write-only), send a test and see its outcome
// inline (staff also the receiver's answer), or delete it. Channels from COST_ALERT_* env variables are shown read-only.
// A channel outside the viewer's scope (another tenant's, or platform-wide for a tenant) is 404.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import alertStyles from "~/components/alerts/alerts.css";
import { AlertsHeader, alertsTitle } from "~/components/alerts/alerts-header.tsx";
import { CHANNEL_TYPE_LABEL, ChannelForm } from "~/components/alerts/channel-form.tsx";
import { SendTestButton } from "~/components/alerts/send-test.tsx";
import formStyles from "~/components/forms/forms.css";
import { channelFormValues, withoutSecrets } from "~/services/alerts/channel-input.page.server.ts";
import { deleteChannel, getChannel, updateChannel } from "~/services/alerts/channels.page.server.ts";
import { alertContext, invalid, orNotFound } from "~/services/alerts/context.page.server.ts";
import { actionError } from "~/services/action-error.server.ts";
import { sendChannelTest } from "~/services/alerts/send-test.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }, { rel: "stylesheet", href: alertStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.channel.name ?? "Channel"} · ${alertsTitle("Alert channels", data?.tenantName ?? null)} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await alertContext(request, params);
  const channel = await orNotFound(() => getChannel(ctx.scope, params.channelId ?? ""));
  return { base: ctx.base, tenantName: ctx.tenant?.name ?? null, staffPage: ctx.scope.kind === "staff", channel };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const ctx = await alertContext(request, params);
  const id = params.channelId ?? "";
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "test") {
    const r = await orNotFound(() => sendChannelTest(ctx.scope, id, { staff: ctx.staffViewer }));
    return r.throttled ? data({ test: null, throttled: r.message }, { status: 429 }) : { test: r.answer, throttled: null };
  }
  try {
    if (intent === "delete") {
      await deleteChannel(ctx.actor, ctx.scope, id);
      return redirect(`${ctx.base}?deleted=1`);
    }
    await updateChannel(ctx.actor, ctx.scope, id, channelFormValues(form));
    return redirect(`${ctx.base}?saved=1`);
  } catch (e) {
    return invalid({ errors: actionError(e).errors, values: withoutSecrets(channelFormValues(form)) });
  }
}

export default function EditChannel() {
  const { base, tenantName, staffPage, channel } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const owner = channel.tenantName ?? "Platform-wide";
  return (
    <>
      <AlertsHeader base={base} tenantName={tenantName} title={channel.name} crumb={{ to: base, label: "Alert channels" }}>
        <p className="muted">
          {CHANNEL_TYPE_LABEL[channel.type]}
          {staffPage && ` · ${owner}`} · {channel.enabled ? "Enabled" : "Disabled"} · {channel.ruleCount} {channel.ruleCount === 1 ? "rule" : "rules"}
        </p>
      </AlertsHeader>
      {params.get("created") && (
        <p className="notice notice--ok" role="status">
          Channel created. Send a test to check the receiver.
        </p>
      )}
      <SendTestButton channelName={channel.name} />
      {channel.fromEnv ? (
        <section className="card" aria-label="Settings from the environment">
          <h2>Settings</h2>
          <p className="muted">
            This channel comes from the <code>COST_ALERT_*</code> environment variables and is read-only here; change it in the server's
            environment. Secrets are stored encrypted and not shown.
          </p>
          <p>
            Destination: <span className="break-anywhere">{channel.destination}</span>
          </p>
        </section>
      ) : (
        <>
          <ChannelForm
            mode="edit"
            values={result && "values" in result ? { ...result.values, type: channel.type } : { ...channel.config, name: channel.name, type: channel.type, enabled: channel.enabled }}
            secretsSet={channel.secretsSet}
            maskedDestination={channel.destination}
            errors={result && "errors" in result ? result.errors : undefined}
            busy={busy}
            submitLabel="Save changes"
          >
            <Link to={`${base}/rules/new?channel=${channel.id}`}>Add a rule for this channel</Link>
          </ChannelForm>
          <Form method="post" className="card" onSubmit={(e) => !confirm(`Delete “${channel.name}”? Its rules and delivery history go too.`) && e.preventDefault()}>
            <h2>Delete</h2>
            <p className="muted">Deleting removes the channel, its rules and its delivery log. To pause it, untick “Enabled” instead.</p>
            <input type="hidden" name="intent" value="delete" />
            <button type="submit" className="button button--danger">
              Delete channel
            </button>
          </Form>
        </>
      )}
    </>
  );
}
