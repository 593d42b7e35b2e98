// Edit one quota (staff): limit, thresholds, enforcement, enabled; or delete it. A per-user
// default (ADR 0016) also shows its users near / at the cap this period against its limit.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { formatUsd, quotaLabel } from "~/components/format.ts";
import formStyles from "~/components/forms/forms.css";
import { QuotaForm } from "~/components/forms/quota-form.tsx";
import { DefaultCapChart, DefaultCapSummary } from "~/components/near-cap-users.tsx";
import { updateQuotaBody } from "~/schemas/admin.ts";
import { fieldErrors, quotaUpdateValues } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { notFound, requireArea } from "~/services/auth.server.ts";
import { failedAction, orNotFound } from "~/services/action-error.server.ts";
import { defaultCapFigures, type DefaultCapFigures } from "~/services/near-cap.page.server.ts";
import { deleteQuota, getQuota, updateQuota } from "~/services/quotas.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "Edit quota · Quotas · Tollgate" }];

const quotaOr404 = (id: string | undefined) => orNotFound(() => getQuota(id ?? ""));

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireArea(request, "quotas");
  const quota = await quotaOr404(params.quotaId);
  const [tenants, perUser] = await Promise.all([
    tenantOptions(),
    quota.scope === "each_user" ? defaultCapFigures({ kind: "platform" }, { fresh: true, quotaId: quota.id }) : ({} as Record<string, DefaultCapFigures>),
  ]);
  const tenant = tenants.find((t) => t.id === quota.tenantId) ?? null;
  return { quota, tenant, perUser: perUser[quota.id] ?? null };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireArea(request, "quotas");
  const actor = actorFor(user);
  const quota = await quotaOr404(params.quotaId);
  const form = await request.formData();
  if (form.get("intent") === "delete") {
    await deleteQuota(actor, quota.id);
    return redirect("/quotas?deleted=1");
  }
  const parsed = updateQuotaBody.safeParse(quotaUpdateValues(form));
  if (!parsed.success) return { errors: fieldErrors(parsed.error) };
  try {
    await updateQuota(actor, quota.id, parsed.data);
    return redirect(`/quotas?updated=${quota.id}`);
  } catch (e) {
    return failedAction(e, {});
  }
}

export default function EditQuota() {
  const { quota, tenant, perUser } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>()?.errors;
  const busy = useNavigation().state === "submitting";
  const scope =
    quota.scope === "platform"
      ? "Platform"
      : quota.scope === "tenant"
        ? `Tenant ${tenant?.name ?? ""}`
        : quota.scope === "each_user"
          ? `Each end user of ${tenant?.name ?? "every tenant"} (default)`
          : `End user ${quota.scopeId} of ${tenant?.name ?? ""}`;
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to="/quotas">Quotas</Link> /
        </p>
        <h1>Edit quota</h1>
        <p className="muted">
          {scope} · {quotaLabel({ resource: quota.resourceType, period: quota.period })}. Scope, resource and period are fixed;
          create another quota to change them.
        </p>
      </div>
      {quota.scope === "each_user" && (
        <section className="card" aria-labelledby="default-users">
          <h2 id="default-users">End users this period</h2>
          <p>
            <DefaultCapSummary quotaId={quota.id} figures={perUser ?? undefined} />
          </p>
          <DefaultCapChart
            figures={perUser ?? undefined}
            limitUsd={quota.limitUsd}
            showTenant={quota.tenantId === null}
            title={`End users fullest against this default cap of ${formatUsd(quota.limitUsd)}, this period`}
          />
        </section>
      )}
      <QuotaForm mode="edit" values={quota} errors={errors} submitLabel="Save changes" busy={busy}>
        <Link to="/quotas">Cancel</Link>
      </QuotaForm>
      <Form method="post" className="card" onSubmit={(e) => !confirm("Delete this quota? Its usage history for this quota goes too.") && e.preventDefault()}>
        <h2>Delete</h2>
        <p className="muted">Deleting stops enforcing this limit at once. To pause it, untick “Enabled” instead.</p>
        <input type="hidden" name="intent" value="delete" />
        <button type="submit" className="button button--danger">
          Delete quota
        </button>
      </Form>
    </>
  );
}
