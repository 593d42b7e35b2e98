// Quotas (admin, finance, ops): every quota with this period's utilization, filters, per-row
// edit and enable/disable, and a bulk limit change for the selected quotas (one transaction).
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatPercent, formatUsd, quotaLabel } from "~/components/format.ts";
import { Field, FormError, Options } from "~/components/forms/field.tsx";
import { DefaultCapSummary } from "~/components/near-cap-users.tsx";
import formStyles from "~/components/forms/forms.css";
import { limitUsd, quotaPeriod, quotaScope } from "~/schemas/admin.ts";
import { quotaResource } from "~/schemas/api.ts";
import { fieldErrors } from "~/schemas/forms.ts";
import { actorFor } from "~/services/audit.server.ts";
import { notFound, requireArea } from "~/services/auth.server.ts";
import { failedAction } from "~/services/action-error.server.ts";
import { defaultCapFigures, type DefaultCapFigures } from "~/services/near-cap.page.server.ts";
import { bulkSetLimit, listQuotaRows, type QuotaRow } from "~/services/quotas.page.server.ts";
import { tenantOptions } from "~/services/tenants.server.ts";
import { updateQuota } from "~/services/quotas.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: formStyles }];
export const meta: MetaFunction = () => [{ title: "Quotas · Tollgate" }];

// Filters are only filters: a bad value is dropped rather than answered with an error.
const Filters = z.object({
  scope: quotaScope.optional().catch(undefined),
  tenant: safeText().max(63).optional().catch(undefined),
  resource: quotaResource.optional().catch(undefined),
  period: quotaPeriod.optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "quotas");
  const raw = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ""));
  const filters = Filters.parse(raw);
  // A per-user default has no one figure: its row shows its users near / at the cap instead.
  const [rows, tenants, perUser] = await Promise.all([listQuotaRows(filters), tenantOptions(), defaultCapFigures({ kind: "platform" }, { fresh: true, perDefault: 1 })]);
  const quotas: QuotaPageRow[] = rows.map((q) => (q.scope === "each_user" ? { ...q, perUser: perUser[q.id] ?? null } : q));
  return { filters, quotas, tenants };
}

const BulkForm = z.object({ ids: z.array(safeText()).min(1, "select at least one quota"), limitUsd });
const ToggleForm = z.object({ id: safeText().min(1), enabled: z.enum(["true", "false"]) });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireArea(request, "quotas");
  const actor = actorFor(user);
  const form = await request.formData();
  const intent = form.get("intent");
  try {
    if (intent === "bulk-limit") {
      const parsed = BulkForm.safeParse({ ids: form.getAll("ids").map(String), limitUsd: String(form.get("limitUsd") ?? "").trim() });
      if (!parsed.success) return { intent: "bulk-limit", errors: fieldErrors(parsed.error) };
      const changed = await bulkSetLimit(actor, parsed.data.ids, parsed.data.limitUsd);
      return { intent: "bulk-limit", errors: {}, message: `Set the limit of ${changed} ${changed === 1 ? "quota" : "quotas"} to ${formatUsd(parsed.data.limitUsd)}.` };
    }
    if (intent === "toggle") {
      const parsed = ToggleForm.safeParse(Object.fromEntries(form));
      if (!parsed.success) throw notFound();
      const q = await updateQuota(actor, parsed.data.id, { enabled: parsed.data.enabled === "true" });
      return { intent: "toggle", errors: {}, message: `${quotaLabel({ resource: q.resourceType, period: q.period })} quota ${q.enabled ? "enabled" : "disabled"}.` };
    }
  } catch (e) {
    // Reported where it happened: a refused toggle on top of the page, a refused bulk change at its form.
    return failedAction(e, { intent: intent === "toggle" ? ("toggle" as const) : ("bulk-limit" as const) });
  }
  throw notFound();
}

type QuotaPageRow = QuotaRow & { perUser?: DefaultCapFigures | null };

const scopeText = (q: QuotaRow) =>
  q.scope === "platform" ? "Platform" : q.scope === "tenant" ? "Tenant" : q.scope === "each_user" ? "Each end user (default)" : `User ${q.scopeId}`;

const columns: ColumnDef<QuotaPageRow, any>[] = [
  {
    id: "select",
    header: () => <span className="visually-hidden">Select</span>,
    enableSorting: false,
    cell: ({ row: { original: q } }) => (
      <input type="checkbox" name="ids" value={q.id} form="bulk-edit" aria-label={`Select ${scopeText(q)} ${q.tenantName ?? ""} ${quotaLabel({ resource: q.resourceType, period: q.period })}`} />
    ),
  },
  { id: "scope", accessorFn: scopeText, header: "Scope", meta: { wrap: true } },
  {
    id: "tenant",
    accessorFn: (q) => q.tenantName ?? "",
    header: "Tenant",
    cell: ({ row: { original: q } }) => (q.tenantSlug ? <Link to={`/t/${q.tenantSlug}`}>{q.tenantName}</Link> : "—"),
    meta: { wrap: true },
  },
  { id: "what", accessorFn: (q) => quotaLabel({ resource: q.resourceType, period: q.period }), header: "Resource · period", meta: { wrap: true } },
  { id: "limit", accessorFn: (q) => q.limitUsd, header: "Limit", cell: ({ getValue }) => formatUsd(getValue()), meta: { numeric: true } },
  {
    id: "utilization",
    accessorFn: (q) => (q.scope === "each_user" ? (q.perUser?.top[0]?.utilizationPercent ?? 0) : q.utilizationPercent),
    header: "Used this period",
    cell: ({ row: { original: q } }) =>
      q.scope === "each_user" ? (
        <DefaultCapSummary quotaId={q.id} figures={q.perUser ?? undefined} />
      ) : (
        <span data-testid={`utilization-${q.id}`}>
          {formatUsd(q.spentUsd)} · {formatPercent(q.utilizationPercent)}
        </span>
      ),
    // A default's summary ("n near · m at cap · fullest …") wraps, so the table still fits 1280 px.
    meta: { numeric: true, wrap: true },
    sortDescFirst: true,
  },
  {
    id: "status",
    accessorFn: (q) => `${q.enabled ? "on" : "off"} ${q.enforcement}`,
    header: "Status",
    cell: ({ row: { original: q } }) => (
      <>
        {q.enabled ? "Enabled" : "Disabled"}
        {q.enforcement === "soft" && <span className="badge">soft</span>}
      </>
    ),
    meta: { optional: true },
  },
  { id: "thresholds", accessorFn: (q) => q.warningThresholds.join(", ") || "none", header: "Warnings at %", enableSorting: false, meta: { optional: true } },
  {
    id: "actions",
    header: "Actions",
    enableSorting: false,
    cell: ({ row: { original: q } }) => {
      const label = `${scopeText(q)} ${q.tenantName ?? ""} ${quotaLabel({ resource: q.resourceType, period: q.period })}`;
      return (
        <div className="row-actions">
          <Link to={`/quotas/${q.id}`} aria-label={`Edit ${label}`}>
            Edit
          </Link>
          <Form method="post">
            <input type="hidden" name="intent" value="toggle" />
            <input type="hidden" name="id" value={q.id} />
            <input type="hidden" name="enabled" value={q.enabled ? "false" : "true"} />
            <button type="submit" className="button button--small" aria-label={`${q.enabled ? "Disable" : "Enable"} ${label}`}>
              {q.enabled ? "Disable" : "Enable"}
            </button>
          </Form>
        </div>
      );
    },
  },
];

export default function Quotas() {
  const { filters, quotas, tenants } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const errors: Record<string, string> = result?.intent === "bulk-limit" ? result.errors : {};
  const toggleFailure = result?.intent === "toggle" && "failure" in result ? result.failure : null;
  const notice = (result && "message" in result && result.message) || (params.get("created") ? "Quota created." : params.get("updated") ? "Quota saved." : params.get("deleted") ? "Quota deleted." : null);
  const filtered = Object.values(filters).some(Boolean);
  return (
    <>
      <div className="page-head">
        <h1>Quotas</h1>
        <p className="muted">Spend limits per UTC period. Utilization counts this period's recorded spend.</p>
      </div>
      <div className="form-actions" style={{ marginBottom: "1rem" }}>
        <Link className="button button--primary" to="/quotas/new">
          New quota
        </Link>
        <Link className="button" to="/quotas/templates">
          Default templates
        </Link>
      </div>
      {notice && (
        <p className="notice notice--ok" role="status">
          {notice}
        </p>
      )}
      <FormError message={toggleFailure ?? undefined} />
      <Form method="get" className="filter-form" aria-label="Filter quotas">
        <Field name="scope" label="Scope" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.scope ?? ""}>
              <option value="">Any</option>
              <Options values={["platform", "tenant", "user", "each_user"]} labels={{ each_user: "each end user (default)" }} />
            </select>
          )}
        </Field>
        <Field name="tenant" label="Tenant" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.tenant ?? ""}>
              <option value="">Any</option>
              {tenants.map((t) => (
                <option key={t.id} value={t.slug}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="resource" label="Resource" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.resource ?? ""}>
              <option value="">Any</option>
              <Options values={["llm", "sandbox", "all"]} />
            </select>
          )}
        </Field>
        <Field name="period" label="Period" idPrefix="filter">
          {(p) => (
            <select {...p} defaultValue={filters.period ?? ""}>
              <option value="">Any</option>
              <Options values={["day", "week", "month"]} />
            </select>
          )}
        </Field>
        <button type="submit" className="button">
          Filter
        </button>
        {filtered && <Link to="/quotas">Clear</Link>}
      </Form>
      <p className="muted" role="status">
        {quotas.length} {quotas.length === 1 ? "quota" : "quotas"}
      </p>
      <DataTable
        columns={columns}
        data={quotas}
        caption="Quotas and their utilization this period"
        emptyMessage={filtered ? "No quota matches these filters." : "There are no quotas yet."}
        getRowId={(q) => q.id}
      />
      <Form method="post" id="bulk-edit" className="card filter-form" aria-label="Bulk edit" style={{ marginTop: "1rem" }}>
        <input type="hidden" name="intent" value="bulk-limit" />
        <FormError message={errors.form ?? errors.ids} />
        <Field name="limitUsd" label="New limit for the selected quotas (USD)" error={errors.limitUsd} idPrefix="bulk">
          {(p) => <input {...p} type="text" inputMode="decimal" />}
        </Field>
        <button type="submit" className="button button--primary" disabled={busy}>
          Set limit for selected
        </button>
      </Form>
    </>
  );
}
