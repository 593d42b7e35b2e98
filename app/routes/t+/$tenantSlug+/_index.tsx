// One tenant: spend today and this month, its quotas with utilization, the 30-day trend.
// Staff may open any tenant; a tenant admin only their own (others are a 404).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { SpendTrendChart } from "~/components/charts/spend-trend-chart.tsx";
import { formatDay } from "~/components/format.ts";
import { QuotaList } from "~/components/quota-meter.tsx";
import { MoneyStat, StatGrid } from "~/components/stat.tsx";
import { isStaff, requireTenantAccess } from "~/services/auth.server.ts";
import { getTenantOverview } from "~/services/overview.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.tenant.name} · Tollgate` : "Tenant · Tollgate" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, tenant } = await requireTenantAccess(request, params.tenantSlug);
  const overview = await getTenantOverview(tenant.id);
  return { tenant, overview, viewerIsStaff: isStaff(user.role) };
}

export default function TenantPage() {
  const { tenant, overview: o, viewerIsStaff } = useLoaderData<typeof loader>();
  return (
    <>
      {viewerIsStaff && (
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/tenants">Tenants</Link> <span aria-hidden="true">/</span> <span>{tenant.name}</span>
        </nav>
      )}
      <div className="page-head">
        <h1>
          {tenant.name}
          {tenant.status !== "active" && <span className="badge badge--suspended">{tenant.status}</span>}
        </h1>
        <p className="muted">
          Spend in UTC. Today is {formatDay(o.asOf, { dateStyle: "medium" })}.
        </p>
      </div>

      <StatGrid label={`${tenant.name} spend`}>
        <MoneyStat label="Spend today" usd={o.todayUsd} testId="tenant-spend-today" />
        <MoneyStat label="Spend this month" usd={o.monthUsd} testId="tenant-spend-month" />
        <MoneyStat label="LLM this month" usd={o.monthLlmUsd} />
        <MoneyStat label="Sandbox this month" usd={o.monthSandboxUsd} />
      </StatGrid>

      <section className="card" aria-labelledby="quotas">
        <h2 id="quotas">Quotas</h2>
        <QuotaList quotas={o.quotas} emptyMessage="This tenant has no tenant-wide quotas." />
      </section>

      <section className="card" aria-labelledby="trend">
        <h2 id="trend">Daily spend, last 30 days</h2>
        <SpendTrendChart data={o.trend} title={`Daily spend of ${tenant.name} by resource, last 30 days`} />
      </section>
    </>
  );
}
