// Admin, finance and ops: sandbox TTL advice from 30 days of runs, as the analysis job stored it
// (with when it was computed) — per tenant and touchpoint, billed versus active time, the idle
// tail, the TTL in use and the recommended one, and what the recommended TTLs would save a
// month. Filter by tenant in the URL.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useLocation } from "@remix-run/react";
import { z } from "zod";
import adminStyles from "~/components/admin/admin.css";
import { Field, FilterActions } from "~/components/forms/field.tsx";
import analysisStyles from "~/components/analysis/analysis.css";
import { NoTtlAdviceYet, TtlAdviceComputed } from "~/components/analysis/ttl-advice-status.tsx";
import { TtlAdviceTable } from "~/components/analysis/ttl-advice-table.tsx";
import { TtlChart } from "~/components/charts/ttl-chart.tsx";
import { errorStatus, errorTitle } from "~/components/error-page.tsx";
import { formatUsd } from "~/components/format.ts";
import { MoneyStat, StatGrid } from "~/components/stat.tsx";
import { requireArea } from "~/services/auth.server.ts";
import { getCostOptimization } from "~/services/ttl-advice.page.server.ts";
import { tenantOptionsMayBeStale } from "~/services/tenants.server.ts";
import { TenantOptions } from "~/components/forms/tenant-options.tsx";

// A filter, not a form: a bad value shows all tenants.
const Filters = z.object({ tenant: z.string().trim().max(63).regex(/^[a-z0-9-]+$/).optional().catch(undefined) });

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: adminStyles },
  { rel: "stylesheet", href: analysisStyles },
];
// With this page's own error boundary, the title must name the error (e.g. a 404 for other roles).
export const meta: MetaFunction = ({ error }) => [{ title: error ? `${errorTitle(errorStatus(error))} · Tollgate` : "Cost optimization · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireArea(request, "costOptimization");
  const filters = Filters.parse({ tenant: new URL(request.url).searchParams.get("tenant") || undefined });
  const [summary, tenants] = await Promise.all([getCostOptimization({ tenantSlug: filters.tenant }), tenantOptionsMayBeStale()]);
  return { filters, tenants, ...summary };
}

export default function CostOptimization() {
  const { filters, tenants, computed, refreshEveryHours, rows, byTenant, totalSandboxCostUsd, totalSavingUsd } = useLoaderData<typeof loader>();
  const location = useLocation();
  const scope = filters.tenant ? (tenants.find((t) => t.slug === filters.tenant)?.name ?? filters.tenant) : "all tenants";
  return (
    <>
      <div className="page-head">
        <h1>Cost optimization</h1>
        <p className="muted">
          Sandboxes are billed until their TTL fires, so work that finishes early leaves an idle tail. The recommended TTL covers
          95% of the observed active times plus a 20% margin; the saving is what the last 30 days would have cost less with it.
        </p>
        {computed && <TtlAdviceComputed computed={computed} refreshEveryHours={refreshEveryHours} />}
      </div>
      <Form method="get" className="filter-form card" aria-label="Filter cost optimization" key={location.search}>
        <Field id="co-tenant" name="tenant" label="Tenant">
          {(p) => (
            <select {...p} defaultValue={filters.tenant ?? ""}>
              <TenantOptions tenants={tenants} />
            </select>
          )}
        </Field>
        <FilterActions resetTo="/cost-optimization" />
      </Form>

      {!computed ? (
        <NoTtlAdviceYet refreshEveryHours={refreshEveryHours} howToRun />
      ) : (
        <StatGrid label="Sandbox TTL savings">
          <MoneyStat label="Projected saving per month" usd={totalSavingUsd} testId="ttl-total-saving" />
          <MoneyStat label="Sandbox cost, last 30 days" usd={totalSandboxCostUsd} testId="ttl-sandbox-cost" />
        </StatGrid>
      )}

      {!computed ? null : rows.length === 0 ? (
        <div className="empty-state" role="status">
          <h2>No sandbox runs to advise on</h2>
          <p>No sandbox run of {scope} was recorded in the 30 days the advice covers. Advice appears once sandbox costs are reported.</p>
        </div>
      ) : (
        <>
          <section className="card" aria-labelledby="billed-vs-active">
            <h2 id="billed-vs-active">Billed versus active time</h2>
            <TtlChart rows={byTenant} title={`Billed sandbox hours of ${scope}, active and idle, last 30 days`} />
          </section>
          <section className="card" aria-labelledby="advice">
            <h2 id="advice">Recommended TTLs</h2>
            <p className="analysis-total">
              Adopting every recommendation saves about <strong>{formatUsd(totalSavingUsd)}</strong> a month.
            </p>
            <TtlAdviceTable rows={rows} showTenant caption={`Sandbox TTL advice per tenant and touchpoint, ${scope}`} />
          </section>
        </>
      )}
    </>
  );
}

export { ErrorBoundary } from "~/components/admin/route-error.tsx";
