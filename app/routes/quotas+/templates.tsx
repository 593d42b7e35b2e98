// Default quota templates: the DefaultQuota rows the tenant-insert trigger copies into every
// NEW tenant. Editing them changes nothing for existing tenants (edit their quotas instead).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { safeText } from "~/schemas/text.ts";
import { formatUsd, quotaLabel } from "~/components/format.ts";
import { Field, Options } from "~/components/forms/field.tsx";
import formStyles from "~/components/forms/forms.css";
import { updateQuotaBody } from "~/schemas/admin.ts";
import { fieldErrors, quotaUpdateValues } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { notFound, requireArea } from "~/services/auth.server.ts";
import { failedAction } from "~/services/action-error.server.ts";
import { listDefaultQuotas, updateDefaultQuota, type DefaultQuotaJson } from "~/services/quotas.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "Default quota templates · Quotas · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "quotas");
  return { templates: await listDefaultQuotas() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireArea(request, "quotas");
  const form = await request.formData();
  const id = safeText().min(1).safeParse(form.get("id"));
  if (!id.success) throw notFound();
  const parsed = updateQuotaBody.safeParse(quotaUpdateValues(form));
  if (!parsed.success) return { id: id.data, errors: fieldErrors(parsed.error) };
  try {
    await updateDefaultQuota(actorFor(user), id.data, parsed.data);
    return { id: id.data, errors: {} as Record<string, string>, saved: true };
  } catch (e) {
    return failedAction(e, { id: id.data });
  }
}

function TemplateForm({ t }: { t: DefaultQuotaJson }) {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const mine = result?.id === t.id ? result : undefined;
  const errors: Record<string, string> = mine?.errors ?? {};
  const label = quotaLabel({ resource: t.resourceType, period: t.period });
  return (
    <Form method="post" className="card" aria-label={`Template ${label}`}>
      <h2>{label}</h2>
      <input type="hidden" name="id" value={t.id} />
      <div className="form-grid">
        <Field name="limitUsd" label="Limit (USD)" error={errors.limitUsd} idPrefix={t.id}>
          {(p) => <input {...p} type="text" inputMode="decimal" defaultValue={t.limitUsd.replace(/\.?0+$/, "")} />}
        </Field>
        <Field name="warningThresholds" label="Warning thresholds (%)" error={errors.warningThresholds} idPrefix={t.id}>
          {(p) => <input {...p} type="text" defaultValue={t.warningThresholds.join(", ")} />}
        </Field>
        <Field name="enforcement" label="Enforcement" error={errors.enforcement} idPrefix={t.id}>
          {(p) => (
            <select {...p} defaultValue={t.enforcement}>
              <Options values={["hard", "soft"]} />
            </select>
          )}
        </Field>
        <div className="field">
          <label>
            <input type="checkbox" name="enabled" defaultChecked={t.enabled} /> Enabled
          </label>
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          Save template
        </button>
        {mine && "saved" in mine && <span role="status">Saved: new tenants get {formatUsd(t.limitUsd)} per {t.period}.</span>}
      </div>
    </Form>
  );
}

export default function Templates() {
  const { templates } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to="/quotas">Quotas</Link> /
        </p>
        <h1>Default quota templates</h1>
      </div>
      <p className="notice" role="note">
        These templates apply to tenants created from now on: a new tenant gets one quota per enabled template. Existing
        tenants keep their quotas; change those on the <Link to="/quotas?scope=tenant">quotas page</Link>.
      </p>
      {templates.length === 0 ? (
        <p className="empty-state">There are no templates: new tenants start without quotas.</p>
      ) : (
        templates.map((t) => <TemplateForm key={t.id} t={t} />)
      )}
    </>
  );
}
