// Staff overview: platform spend today and this month against the platform quotas, the top
// tenants this month, the quotas near their limit, what the analysis found (open anomalies,
// predicted quota breaches) and the 30-day trend; the requests quotas denied today (ADR 0014).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { SpendTrendChart } from "~/components/charts/spend-trend-chart.tsx";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { formatDay, formatPercent, formatUsd } from "~/components/format.ts";
import { anomalyTenantColumns, breachColumns } from "~/components/analysis/overview-columns.tsx";
import { QuotaList } from "~/components/quota-meter.tsx";
import { DeniedTodayStat, MoneyStat, StatGrid } from "~/components/stat.tsx";
import { requireArea } from "~/services/auth.server.ts";
import { getPlatformDenials, noQuotaDenials } from "~/services/denials.page.server.ts";
import { getPlatformOverview } from "~/services/spend.page.server.ts";
import { spoolReport } from "~/services/spool.server.ts";
import { may } from "~/services/policy.server.ts";

export const meta: MetaFunction = () => [{ title: "Overview · Tollgate" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireArea(request, "overview");
  // Finance sees the findings but the anomalies page is for admin and ops (SPEC §6).
  const { mode, backlog, deadLetters } = spoolReport(0);
  const [overview, denials] = await Promise.all([getPlatformOverview(), getPlatformDenials()]);
  return {
    ...overview,
    quotas: overview.quotas.map((q) => ({ ...q, denied: denials.byQuota[q.id] ?? noQuotaDenials })),
    deniedToday: denials.today,
    canReviewAnomalies: may(user.role, "anomalies"),
    // The spool page is for admin and ops; finance sees the warning (costs are not final yet).
    spool: { mode, backlog, deadLetters, canOpen: may(user.role, "spool") },
  };
}

type TopTenant = Awaited<ReturnType<typeof loader>>["topTenants"][number];
type NearLimit = Awaited<ReturnType<typeof loader>>["nearLimit"][number];


const nearLimitColumns: ColumnDef<NearLimit, any>[] = [
  {
    accessorKey: "tenantName",
    header: "Tenant",
    cell: ({ row }) => <Link to={`/t/${row.original.tenantSlug}`}>{row.original.tenantName}</Link>,
    enableSorting: false,
  },
  {
    id: "quota",
    header: "Quota",
    cell: ({ row }) => {
      const q = row.original;
      const who = q.scope === "user" ? `user ${q.scopeId}` : "tenant";
      return `${who} · ${q.resource} · per ${q.period}`;
    },
    enableSorting: false,
  },
  {
    accessorKey: "utilizationPercent",
    header: "Used",
    cell: ({ row }) => `${formatPercent(row.original.utilizationPercent)} of ${formatUsd(row.original.limitUsd)}`,
    enableSorting: false,
    meta: { numeric: true },
  },
];

const topTenantColumns: ColumnDef<TopTenant, any>[] = [
  {
    accessorKey: "name",
    header: "Tenant",
    cell: ({ row }) => <Link to={`/t/${row.original.slug}`}>{row.original.name}</Link>,
    enableSorting: false,
  },
  {
    accessorKey: "monthUsd",
    header: "Spend this month",
    cell: ({ row }) => formatUsd(row.original.monthUsd),
    enableSorting: false,
    meta: { numeric: true },
  },
];

/** Fail-open costs not in the ledger yet: waiting for replay, or refused by it (dead letters). */
function SpoolWarning(s: { mode: string; backlog: number; deadLetters: number; canOpen: boolean }) {
  if (s.backlog === 0 && s.deadLetters === 0) return null;
  return (
    <div className="warning-banner" role="alert" data-testid="spool-warning">
      {s.deadLetters > 0 && (
        <p>
          <strong>{s.deadLetters.toLocaleString("en-US")} spooled {s.deadLetters === 1 ? "entry" : "entries"} could not be applied</strong>{" "}
          and {s.deadLetters === 1 ? "is" : "are"} kept as dead letters: the spend shown here leaves {s.deadLetters === 1 ? "it" : "them"} out.
        </p>
      )}
      {s.backlog > 0 && (
        <p>
          {s.backlog.toLocaleString("en-US")} {s.backlog === 1 ? "entry" : "entries"} spooled during a database outage{" "}
          {s.backlog === 1 ? "is" : "are"} waiting{s.mode === "open" ? " to be replayed." : "; fail-closed instances do not replay them."}
        </p>
      )}
      {s.canOpen && (
        <p>
          <Link to="/spool">Review the spool</Link>
        </p>
      )}
    </div>
  );
}

export default function Overview() {
  const o = useLoaderData<typeof loader>();
  const hasSpend = Number(o.monthUsd) > 0 || o.trend.some((d) => Number(d.llmUsd) > 0 || Number(d.sandboxUsd) > 0);
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <p className="muted">Platform-wide, in UTC. Today is {formatDay(o.asOf, { dateStyle: "medium" })}.</p>
      </div>

      <SpoolWarning {...o.spool} />

      {!hasSpend && (
        <div className="empty-state" role="status">
          <h2>No spend recorded yet</h2>
          <p>
            Costs appear here as soon as the product reports its first LLM call or sandbox run through the core or
            the <code>/api/v1</code> API.
          </p>
        </div>
      )}

      <StatGrid label="Platform spend">
        <MoneyStat label="Spend today" usd={o.todayUsd} testId="platform-spend-today" />
        <MoneyStat label="Spend this month" usd={o.monthUsd} testId="platform-spend-month" />
        <MoneyStat label="LLM this month" usd={o.monthLlmUsd} />
        <MoneyStat label="Sandbox this month" usd={o.monthSandboxUsd} />
        <DeniedTodayStat today={o.deniedToday} testId="platform-denied-today" hint="Requests refused by a quota, and the estimate they asked for" />
      </StatGrid>

      <div className="grid-2">
        <section className="card" aria-labelledby="platform-quotas">
          <h2 id="platform-quotas">Platform quotas</h2>
          <QuotaList quotas={o.quotas} emptyMessage="No platform-wide quotas are set." />
        </section>
        <section className="card" aria-labelledby="top-tenants">
          <h2 id="top-tenants">Top tenants this month</h2>
          <DataTable
            columns={topTenantColumns}
            data={o.topTenants}
            caption="Top 10 tenants by spend this month"
            emptyMessage="No tenant has spent anything this month."
            getRowId={(t) => t.slug}
          />
          <p>
            <Link to="/tenants">All tenants</Link>
          </p>
        </section>
      </div>

      <section className="card" aria-labelledby="near-limit">
        <h2 id="near-limit">Quotas near their limit</h2>
        <DataTable
          columns={nearLimitColumns}
          data={o.nearLimit}
          caption="Tenant and user quotas at 80% or more of their limit this period, counting open holds"
          emptyMessage="No tenant or user quota is at 80% of its limit this period."
          getRowId={(q) => q.id}
        />
      </section>

      <section className="card" aria-labelledby="forecast-breaches">
        <h2 id="forecast-breaches">Forecast breaches</h2>
        <DataTable
          columns={breachColumns}
          data={o.forecastBreaches}
          caption="Quotas whose forecast passes the limit before the current period ends, soonest first"
          emptyMessage="No quota is forecast to pass its limit this period."
          getRowId={(b) => b.quotaId}
        />
      </section>

      <section className="card" aria-labelledby="open-anomalies">
        <h2 id="open-anomalies">Open anomalies</h2>
        <DataTable
          columns={anomalyTenantColumns(o.canReviewAnomalies)}
          data={o.openAnomalies}
          caption={`Tenants with open anomaly findings, the most high-severity first (${o.openAnomalyCount} open in all)`}
          emptyMessage="No open anomalies: spend looks like each tenant's usual pattern."
          getRowId={(a) => a.tenantSlug}
        />
        {o.openAnomalyCount > 0 && o.canReviewAnomalies && (
          <p>
            <Link to="/anomalies">Review all {o.openAnomalyCount} open findings</Link>
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="trend">
        <h2 id="trend">Daily spend, last 30 days</h2>
        <SpendTrendChart data={o.trend} title="Daily platform spend by resource, last 30 days" />
      </section>
    </>
  );
}
