// Create a quota (staff). Validation is the API's (createQuotaBody); a duplicate scope/resource/
// period is reported on the form.
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import formStyles from "~/components/forms/forms.css";
import { QuotaForm } from "~/components/forms/quota-form.tsx";
import { createQuotaBody } from "~/schemas/admin.ts";
import { fieldErrors, quotaCreateValues } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { requireArea } from "~/services/auth.server.ts";
import { failedAction } from "~/services/action-error.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";
import { createQuota } from "~/services/quotas.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "New quota · Quotas · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "quotas");
  return { tenants: await tenantOptions() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireArea(request, "quotas");
  const parsed = createQuotaBody.safeParse(quotaCreateValues(await request.formData()));
  if (!parsed.success) return { errors: fieldErrors(parsed.error) };
  try {
    const quota = await createQuota(actorFor(user), parsed.data);
    return redirect(`/quotas?created=${quota.id}`);
  } catch (e) {
    return failedAction(e, {});
  }
}

export default function NewQuota() {
  const { tenants } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>()?.errors;
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to="/quotas">Quotas</Link> /
        </p>
        <h1>New quota</h1>
        <p className="muted">A quota created mid-period starts from the spend already recorded in that period.</p>
      </div>
      <QuotaForm
        mode="create"
        values={{ tenantId: params.get("tenant") ?? undefined, scope: (params.get("scope") as "tenant" | null) ?? undefined }}
        errors={errors}
        tenants={tenants}
        submitLabel="Create quota"
        busy={busy}
      >
        <Link to="/quotas">Cancel</Link>
      </QuotaForm>
    </>
  );
}
