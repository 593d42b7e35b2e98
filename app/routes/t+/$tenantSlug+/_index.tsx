// One tenant: spend today/this month, its quotas as the core enforces them, spend over time
// (stacked by resource) and by model, user and touchpoint for a date range in the URL, and its
// newest cost records; and what the analysis found: each quota's forecast for this period,
// anomalies in the range (listed and marked on the timeline) and the sandbox TTL advice the job
// stored (with when it was computed). Staff may open any tenant; a tenant admin only their own
// (others: 404), read-only.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useNavigation } from "@remix-run/react";
import analysisStyles from "~/components/analysis/analysis.css";
import { anomalyColumns, anomalyRecordsHref, type AnomalyRow } from "~/components/analysis/anomaly-columns.tsx";
import { ForecastCards } from "~/components/analysis/forecast-cards.tsx";
import { NoTtlAdviceYet, TtlAdviceComputed } from "~/components/analysis/ttl-advice-status.tsx";
import { TtlAdviceTable } from "~/components/analysis/ttl-advice-table.tsx";
import { BreakdownChart, type BreakdownSlice } from "~/components/charts/breakdown-chart.tsx";
import { DenialsChart } from "~/components/charts/denials-chart.tsx";
import { SpendOverTimeChart } from "~/components/charts/spend-over-time-chart.tsx";
import { DataTable, type ColumnDef } from "~/components/data-table.tsx";
import { DateRangeForm } from "~/components/date-range-form.tsx";
import { formatDay, formatTime, formatUsd, quotaLabel } from "~/components/format.ts";
import { NearCapPanel } from "~/components/near-cap-users.tsx";
import { QuotaList } from "~/components/quota-meter.tsx";
import { recordColumns } from "~/components/records/record-columns.tsx";
import spendStyles from "~/components/spend.css";
import { DeniedTodayStat, MoneyStat, StatGrid } from "~/components/stat.tsx";
import { TenantHeader } from "~/components/tenant-header.tsx";
import { recordsSearch, type RecordFilters } from "~/schemas/records.ts";
import { requireTenantAccess } from "~/services/auth.server.ts";
import { isStaff, may } from "~/services/policy.server.ts";
import { getTenantTtlAdvice } from "~/services/ttl-advice.page.server.ts";
import { getTenantAnalysis } from "~/services/forecasts.page.server.ts";
import { CAPPED_ROWS, getTenantDenials, noQuotaDenials, type CappedUser } from "~/services/denials.page.server.ts";
import { getTenantDetail } from "~/services/spend.tenant.page.server.ts";
import { usersNearDefaultCap } from "~/services/near-cap.page.server.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: spendStyles },
  { rel: "stylesheet", href: analysisStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.tenant.name} · Tollgate` : "Tenant · Tollgate" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, tenant } = await requireTenantAccess(request, params.tenantSlug);
  const detail = await getTenantDetail(tenant.id, new URL(request.url).searchParams);
  const [analysis, ttl, denials, nearCap] = await Promise.all([
    getTenantAnalysis(tenant.id, detail.range),
    getTenantTtlAdvice(tenant.id),
    getTenantDenials(tenant.id, detail.range),
    usersNearDefaultCap({ kind: "tenant", tenantId: tenant.id }),
  ]);
  return {
    tenant,
    viewerIsStaff: isStaff(user.role),
    // The anomalies page (review) is for admin and ops; finance and tenant admins read here.
    canReview: may(user.role, "anomalies"),
    ...detail,
    ...analysis,
    ttlAdvice: ttl.rows,
    ttlSavingUsd: ttl.totalSavingUsd,
    ttlComputed: ttl.computed,
    ttlRefreshEveryHours: ttl.refreshEveryHours,
    quotas: detail.quotas.map((q) => ({ ...q, denied: denials.byQuota[q.id] ?? noQuotaDenials })),
    // (CAPPED_ROWS travels as data: a .server module's values do not exist in the browser.)
    denials: { today: denials.today, series: denials.series, capped: denials.capped, cappedRows: CAPPED_ROWS },
    nearCap,
  };
}

const SCOPE_LABEL = { platform: "Platform", tenant: "Tenant", user: "User", each_user: "Default per user" } as const;
const cappedColumns: ColumnDef<CappedUser, any>[] = [
  { id: "user", accessorFn: (c) => c.userId, header: "End user", cell: ({ row }) => row.original.userId || <span className="muted">(none named)</span> },
  {
    id: "quota",
    accessorFn: (c) => `${SCOPE_LABEL[c.scope]} ${quotaLabel(c)}`,
    header: "Quota that denied",
  },
  { id: "count", accessorFn: (c) => c.count, header: "Denied", meta: { numeric: true } },
  { id: "usd", accessorFn: (c) => Number(c.usd), header: "Estimate denied", cell: ({ row }) => formatUsd(row.original.usd), meta: { numeric: true, optional: true } },
  { id: "last", accessorFn: (c) => c.lastDeniedAt, header: "Last denial (UTC)", cell: ({ row }) => formatTime(row.original.lastDeniedAt) },
];

const recentColumns = recordColumns({ showTenant: false });
const findingColumns = (tenantSlug: string) =>
  anomalyColumns<AnomalyRow>({ recordsHref: (a) => anomalyRecordsHref(a, `/t/${tenantSlug}/records`) });

export default function TenantPage() {
  const {
    tenant, viewerIsStaff, canReview, range, rangeIssues, spend: s, quotas, recent, forecasts, anomalies, historyNote,
    ttlAdvice, ttlSavingUsd, ttlComputed, ttlRefreshEveryHours, denials, nearCap,
  } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const base = `/t/${tenant.slug}`;
  const loading = navigation.state === "loading" && navigation.location.pathname === base;
  const rangeLabel = `${formatDay(range.from, { dateStyle: "medium" })} – ${formatDay(range.to, { dateStyle: "medium" })}`;
  // Drill down from a slice to its cost records over the same days.
  const records = (f: RecordFilters) => `${base}/records${recordsSearch({ ...f, from: range.from, to: range.to }, "time_desc")}`;
  const modelHref = (x: BreakdownSlice) =>
    x.folded ? null : x.resource === "sandbox" ? records({ resource: "sandbox" }) : x.key ? records({ model: x.key.slice(x.key.indexOf("/") + 1), resource: "llm" }) : null;
  const userHref = (x: BreakdownSlice) => (x.key ? records({ user: x.key }) : null);
  const touchpointHref = (x: BreakdownSlice) => (x.key ? records({ touchpoint: x.key }) : null);

  return (
    <>
      <TenantHeader tenant={tenant} viewerIsStaff={viewerIsStaff} current="spend">
        <p className="muted">Spend in UTC. Today is {formatDay(s.asOf, { dateStyle: "medium" })}.</p>
      </TenantHeader>

      <StatGrid label={`${tenant.name} spend`}>
        <MoneyStat label="Spend today" usd={s.todayUsd} testId="tenant-spend-today" />
        <MoneyStat label="Spend this month" usd={s.monthUsd} testId="tenant-spend-month" />
        <MoneyStat label="In the selected range" usd={s.totalUsd} testId="tenant-spend-range" hint={rangeLabel} />
        <MoneyStat label="LLM in range" usd={s.llmUsd} testId="tenant-spend-range-llm" />
        <MoneyStat label="Sandbox in range" usd={s.sandboxUsd} testId="tenant-spend-range-sandbox" />
        <DeniedTodayStat today={denials.today} testId="tenant-denied-today" hint="Requests a quota refused, and their estimate" />
      </StatGrid>

      <section className="card" aria-labelledby="quotas">
        <h2 id="quotas">Quotas</h2>
        <p className="muted quota-note">Current period, as enforced: held amounts are open reservations.</p>
        <QuotaList quotas={quotas} emptyMessage="This tenant has no tenant-wide quotas." />
      </section>

      <NearCapPanel
        list={nearCap}
        explorerPath={`${base}/records`}
        showTenant={false}
        caption={`End users of ${tenant.name} at or near their default cap this period, fullest first`}
        note={`Each links to the user's cost records of the period. Default caps are set on the quotas page.`}
      />

      <section className="card" aria-labelledby="forecasts">
        <h2 id="forecasts">Forecasts</h2>
        <p className="muted quota-note">
          Where each quota is heading this period: spend so far, the forecast to the period end with its 80% interval, and the
          limit.
        </p>
        <ForecastCards
          forecasts={forecasts}
          tenantName={tenant.name}
          emptyMessage="No forecast for this period yet: the analysis runs every few hours and forecasts every enabled quota."
        />
      </section>

      <section className="card" aria-labelledby="range-heading">
        <h2 id="range-heading">Spend by period</h2>
        <DateRangeForm range={range} today={s.asOf} issues={rangeIssues} action={base} />
      </section>

      <div aria-busy={loading || undefined} className={loading ? "is-loading" : undefined}>
        {s.records === 0 && (
          <div className="empty-state" role="status">
            <h2>No spend in this range</h2>
            <p>Nothing was recorded for {tenant.name} between these days. Try a longer range.</p>
          </div>
        )}

        <section className="card" aria-labelledby="over-time">
          <h2 id="over-time">Spend over time</h2>
          <SpendOverTimeChart
            data={s.series}
            grain={range.grain}
            markers={anomalies}
            title={`${range.grain === "week" ? "Weekly" : "Daily"} spend of ${tenant.name} by resource, ${rangeLabel}${
              anomalies.length ? `, with ${anomalies.length} anomal${anomalies.length === 1 ? "y" : "ies"} marked` : ""
            }`}
          />
        </section>

        <section className="card" aria-labelledby="denials">
          <h2 id="denials">Denied requests</h2>
          <p className="muted quota-note">
            Requests a quota refused (HTTP 429) in the selected range, counted once per idempotency key, with the estimate they
            asked for.
          </p>
          <DenialsChart
            data={denials.series}
            title={`${range.grain === "week" ? "Weekly" : "Daily"} denied requests of ${tenant.name}, ${rangeLabel}`}
            emptyMessage="No request was denied in this range: every reservation fit its quotas."
          />
          <h3 id="capped">Who hit a cap</h3>
          <DataTable
            columns={cappedColumns}
            data={denials.capped}
            caption={`End users denied by each quota of ${tenant.name}, ${rangeLabel} (the ${denials.cappedRows} with most denials)`}
            emptyMessage="Nobody hit a cap in this range."
            getRowId={(c) => `${c.userId}|${c.quotaId}`}
          />
        </section>

        <section className="card" aria-labelledby="anomalies">
          <div className="results-head">
            <h2 id="anomalies">Anomalies</h2>
            {canReview && <Link to={`/anomalies?tenant=${encodeURIComponent(tenant.slug)}`}>Review on the anomalies page →</Link>}
          </div>
          <p className="muted quota-note">
            Days and hours whose spend was far above this tenant's usual pattern, in the selected range. Each links to that day's
            cost records.
          </p>
          {historyNote && (
            <p className="history-note" role="note" data-testid="anomaly-history-note">
              Not enough history yet: spend is first recorded on {formatDay(historyNote.firstDay, { dateStyle: "medium" })}, and a day
              is judged against the tenant's own pattern once there are {historyNote.minDays} days of it (from{" "}
              {formatDay(historyNote.judgedFrom, { dateStyle: "medium" })}). Until then no day is flagged; for the first four weeks the
              band is wider.
            </p>
          )}
          <DataTable
            columns={findingColumns(tenant.slug)}
            data={anomalies}
            caption={`Anomaly findings for ${tenant.name}, ${rangeLabel}`}
            emptyMessage="No anomalies in this range: spend followed its usual pattern."
            getRowId={(a) => a.id}
          />
        </section>

        <div className="breakdown-grid">
          <section className="card" aria-labelledby="by-model">
            <h2 id="by-model">By model</h2>
            <BreakdownChart
              slices={s.byModel}
              totalUsd={s.totalUsd}
              title={`Spend of ${tenant.name} by model, ${rangeLabel}`}
              nameHeader="Model"
              hrefFor={modelHref}
              emptyMessage="No spend in this range."
            />
          </section>
          <section className="card" aria-labelledby="by-user">
            <h2 id="by-user">By user</h2>
            <BreakdownChart
              slices={s.byUser}
              totalUsd={s.totalUsd}
              title={`Spend of ${tenant.name} by user, ${rangeLabel}`}
              nameHeader="User ID"
              hrefFor={userHref}
              emptyMessage="No spend in this range."
            />
          </section>
          <section className="card" aria-labelledby="by-touchpoint">
            <h2 id="by-touchpoint">By touchpoint</h2>
            <BreakdownChart
              slices={s.byTouchpoint}
              totalUsd={s.totalUsd}
              title={`Spend of ${tenant.name} by touchpoint, ${rangeLabel}`}
              nameHeader="Touchpoint"
              hrefFor={touchpointHref}
              emptyMessage="No spend in this range."
            />
          </section>
        </div>
      </div>

      <section className="card" aria-labelledby="ttl-advice">
        <div className="results-head">
          <h2 id="ttl-advice">Sandbox TTL advice</h2>
          {viewerIsStaff && <Link to="/cost-optimization">All tenants →</Link>}
        </div>
        {ttlComputed ? (
          <>
            <p className="analysis-total" data-testid="tenant-ttl-saving">
              Projected saving: <strong>{formatUsd(ttlSavingUsd)}</strong> a month with the recommended TTLs (30 days of
              sandbox runs).
            </p>
            <TtlAdviceComputed computed={ttlComputed} refreshEveryHours={ttlRefreshEveryHours} />
            <TtlAdviceTable rows={ttlAdvice} showTenant={false} caption={`Sandbox TTL advice for ${tenant.name} per touchpoint`} />
          </>
        ) : (
          <NoTtlAdviceYet refreshEveryHours={ttlRefreshEveryHours} howToRun={viewerIsStaff} heading="h3" />
        )}
      </section>

      <section className="card" aria-labelledby="recent">
        <div className="results-head">
          <h2 id="recent">Latest cost records</h2>
          <Link to={`${base}/records`}>All cost records of {tenant.name} →</Link>
        </div>
        <DataTable
          columns={recentColumns}
          data={recent}
          caption={`The 10 newest cost records of ${tenant.name}`}
          emptyMessage="No cost records yet."
          getRowId={(r) => r.id}
        />
      </section>
    </>
  );
}
