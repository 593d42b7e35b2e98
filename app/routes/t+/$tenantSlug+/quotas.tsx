// A tenant's quotas for its tenant admin: tenant (and platform-set) quotas read-only, and the
// quotas of the tenant's own end users, which the tenant admin may create and edit: the default
// cap for each end user (`each_user`, ADR 0016) and user-scope quotas, which override it.
// Scope and tenant are fixed by the URL, never by the form: a post naming another scope or
// tenant, or editing a quota that is not a user quota of this tenant, is refused (403/404).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatPercent, formatUsd, quotaLabel } from "~/components/format.ts";
import { DefaultCapChart, DefaultCapSummary } from "~/components/near-cap-users.tsx";
import formStyles from "~/components/forms/forms.css";
import { QuotaForm } from "~/components/forms/quota-form.tsx";
import { createQuotaBody, updateQuotaBody } from "~/schemas/admin.ts";
import { fieldErrors, quotaCreateValues, quotaUpdateValues } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { notFound, requireTenantAccess } from "~/services/auth.server.ts";
import { failedAction } from "~/services/action-error.server.ts";
import { tenantPageQuotas } from "~/services/policy.server.ts";
import { defaultCapFigures, type DefaultCapFigures } from "~/services/near-cap.page.server.ts";
import { listQuotaRows, type QuotaRow } from "~/services/quotas.page.server.ts";
import { createQuota, getQuota, updateQuota } from "~/services/quotas.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Quotas · ${data?.tenant.name ?? "Tenant"} · Tollgate` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireTenantAccess(request, params.tenantSlug);
  const [quotas, perUser] = await Promise.all([
    listQuotaRows({ tenant: tenant.slug }),
    // Read as the tenant (row-level security), on the primary: the page shows what its form saved.
    defaultCapFigures({ kind: "tenant", tenantId: tenant.id }, { fresh: true }),
  ]);
  const editId = new URL(request.url).searchParams.get("edit");
  const editing = quotas.find((q) => q.id === editId && (q.scope === "user" || q.scope === "each_user")) ?? null;
  return {
    tenant,
    tenantQuotas: quotas.filter((q) => q.scope !== "user" && q.scope !== "each_user"),
    defaultCaps: quotas.filter((q) => q.scope === "each_user").map((q): DefaultCapRow => ({ ...q, perUser: perUser[q.id] ?? null })),
    userQuotas: quotas.filter((q) => q.scope === "user"),
    editing,
  };
}

type DefaultCapRow = QuotaRow & { perUser: DefaultCapFigures | null };

const forbidden = () => new Response("Forbidden", { status: 403, statusText: "Forbidden" });

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, tenant } = await requireTenantAccess(request, params.tenantSlug);
  const actor = actorFor(user);
  const form = await request.formData();
  const base = `/t/${tenant.slug}/quotas`;
  try {
    if (form.get("intent") === "update") {
      const quota = await getQuota(String(form.get("id") ?? ""));
      if (!tenantPageQuotas.mayEdit(quota, tenant.id)) throw notFound();
      const parsed = updateQuotaBody.safeParse(quotaUpdateValues(form));
      if (!parsed.success) return { errors: fieldErrors(parsed.error) };
      await updateQuota(actor, quota.id, parsed.data);
      return redirect(`${base}?saved=${quota.scope === "each_user" ? "default" : "1"}`);
    }
    const values = quotaCreateValues(form);
    if (!tenantPageQuotas.mayCreate(values, tenant)) throw forbidden();
    const scope = values.scope === "each_user" ? "each_user" : "user";
    const parsed = createQuotaBody.safeParse({ ...values, scope, tenantId: tenant.id });
    if (!parsed.success) return { errors: fieldErrors(parsed.error) };
    await createQuota(actor, parsed.data);
    return redirect(`${base}?saved=${scope === "each_user" ? "default" : "1"}`);
  } catch (e) {
    return failedAction(e, {});
  }
}

const used = (q: QuotaRow) => `${formatUsd(q.spentUsd)} of ${formatUsd(q.limitUsd)} · ${formatPercent(q.utilizationPercent)}`;
const status = (q: QuotaRow) => `${q.enabled ? "Enabled" : "Disabled"}${q.enforcement === "soft" ? " (soft)" : ""}`;

const tenantColumns: ColumnDef<QuotaRow, any>[] = [
  { id: "what", accessorFn: (q) => quotaLabel({ resource: q.resourceType, period: q.period }), header: "Resource · period" },
  { id: "used", accessorFn: (q) => q.utilizationPercent, header: "Used this period", cell: ({ row }) => used(row.original), meta: { numeric: true } },
  { id: "status", accessorFn: status, header: "Status", meta: { optional: true } },
];

export default function TenantQuotas() {
  const { tenant, tenantQuotas, defaultCaps, userQuotas, editing } = useLoaderData<typeof loader>();
  const errors = useActionData<typeof action>()?.errors;
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const base = `/t/${tenant.slug}/quotas`;
  const editColumn: ColumnDef<QuotaRow, any> = {
    id: "edit",
    header: "Actions",
    enableSorting: false,
    cell: ({ row: { original: q } }) => (
      <Link
        to={`${base}?edit=${q.id}#quota-form`}
        aria-label={`Edit ${q.scope === "each_user" ? "the default cap for each end user" : `quota of ${q.scopeId}`}, ${quotaLabel({ resource: q.resourceType, period: q.period })}`}
      >
        Edit
      </Link>
    ),
  };
  const userColumns: ColumnDef<QuotaRow, any>[] = [{ id: "user", accessorFn: (q) => q.scopeId, header: "End user" }, ...tenantColumns, editColumn];
  // A default has no one figure to show (each user has their own): its users near / at the cap.
  const defaultColumns: ColumnDef<DefaultCapRow, any>[] = [
    tenantColumns[0] as ColumnDef<DefaultCapRow, any>,
    { id: "limit", accessorFn: (q) => Number(q.limitUsd), header: "Limit per end user", cell: ({ row }) => formatUsd(row.original.limitUsd), meta: { numeric: true } },
    {
      id: "users",
      accessorFn: (q) => q.perUser?.nearCount ?? 0,
      header: "Users this period",
      cell: ({ row: { original: q } }) => <DefaultCapSummary quotaId={q.id} figures={q.perUser ?? undefined} />,
      meta: { wrap: true },
    },
    tenantColumns[2] as ColumnDef<DefaultCapRow, any>,
    editColumn as ColumnDef<DefaultCapRow, any>,
  ];
  const newScope = params.get("new") === "default" ? "each_user" : "user";
  return (
    <>
      <div className="page-head">
        <p className="breadcrumb">
          <Link to={`/t/${tenant.slug}`}>{tenant.name}</Link> /
        </p>
        <h1>Quotas</h1>
        <p className="muted">Limits per UTC period. Tenant quotas are set by the platform; you can set limits for your own end users.</p>
      </div>
      {params.get("saved") && (
        <p className="notice notice--ok" role="status">
          {params.get("saved") === "default" ? "Default cap saved." : "User quota saved."}
        </p>
      )}
      <section className="card" aria-labelledby="tenant-quotas">
        <h2 id="tenant-quotas">{tenant.name} quotas (read-only)</h2>
        <DataTable columns={tenantColumns} data={tenantQuotas} caption={`${tenant.name} quotas`} emptyMessage="No tenant quotas." getRowId={(q) => q.id} />
      </section>
      <section className="card" aria-labelledby="default-caps">
        <h2 id="default-caps">Default cap for each end user</h2>
        <p className="muted">
          Applies to every end user of {tenant.name} separately, from their first request. An end-user quota below, for the same resource and period,
          replaces it for that user.
        </p>
        <DataTable
          columns={defaultColumns}
          data={defaultCaps}
          caption="Default caps for each end user"
          emptyMessage="No default cap: end users are limited only by their own quotas and the tenant's."
          getRowId={(q) => q.id}
        />
        {defaultCaps
          .filter((q) => q.enabled)
          .map((q) => (
            <div key={q.id} className="default-cap-chart">
              <h3>Fullest end users · {quotaLabel({ resource: q.resourceType, period: q.period })}</h3>
              <DefaultCapChart
                figures={q.perUser ?? undefined}
                limitUsd={q.limitUsd}
                showTenant={false}
                title={`The end users of ${tenant.name} fullest against the ${quotaLabel({ resource: q.resourceType, period: q.period })} default cap of ${formatUsd(q.limitUsd)}, this period`}
              />
            </div>
          ))}
        <p>
          <Link to={`${base}?new=default#quota-form`}>New default cap</Link>
        </p>
      </section>
      <section className="card" aria-labelledby="user-quotas">
        <h2 id="user-quotas">End-user quotas</h2>
        <DataTable
          columns={userColumns}
          data={userQuotas}
          caption="Quotas of this tenant's end users"
          emptyMessage="No end-user quotas yet. Create one below to cap a single user of your product."
          getRowId={(q) => q.id}
        />
      </section>
      <h2 id="quota-form">
        {editing
          ? editing.scope === "each_user"
            ? "Edit the default cap for each end user"
            : `Edit the quota of ${editing.scopeId}`
          : newScope === "each_user"
            ? "New default cap for each end user"
            : "New end-user quota"}
      </h2>
      {editing ? (
        <QuotaForm mode="edit" intent="update" values={editing} errors={errors} submitLabel="Save changes" busy={busy}>
          <input type="hidden" name="id" value={editing.id} />
          <Link to={base}>Cancel</Link>
        </QuotaForm>
      ) : (
        <QuotaForm
          mode="create"
          intent="create"
          fixedScope={newScope}
          fixedTenant={tenant}
          errors={errors}
          submitLabel={newScope === "each_user" ? "Create default cap" : "Create user quota"}
          busy={busy}
        >
          {newScope === "each_user" && <Link to={base}>Cancel</Link>}
        </QuotaForm>
      )}
    </>
  );
}
