// One tenant's cost records: the explorer scoped to the tenant in the path (read under RLS).
// Staff may open any tenant; its tenant admin only their own (others are a 404). Below them, the
// tenant's end users at or near a default cap this period (ADR 0016), each linking here.
import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { NearCapPanel } from "~/components/near-cap-users.tsx";
import { RecordsExplorer } from "~/components/records/records-explorer.tsx";
import spendStyles from "~/components/spend.css";
import { TenantHeader } from "~/components/tenant-header.tsx";
import { requireTenantAccess } from "~/services/auth.server.ts";
import { isStaff } from "~/services/policy.server.ts";
import { usersNearDefaultCap } from "~/services/near-cap.page.server.ts";
import { loadExplorer } from "~/services/records.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: spendStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Cost records · ${data.tenant.name} · Tollgate` : "Cost records · Tollgate" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, tenant } = await requireTenantAccess(request, params.tenantSlug);
  const basePath = `/t/${tenant.slug}/records`;
  const [{ status, data: explorer }, nearCap] = await Promise.all([
    loadExplorer({ kind: "tenant", tenantId: tenant.id }, new URL(request.url).searchParams, basePath),
    usersNearDefaultCap({ kind: "tenant", tenantId: tenant.id }),
  ]);
  return data({ tenant, viewerIsStaff: isStaff(user.role), explorer, nearCap }, { status });
}

export default function TenantCostRecords() {
  const { tenant, viewerIsStaff, explorer, nearCap } = useLoaderData<typeof loader>();
  return (
    <>
      <TenantHeader tenant={tenant} viewerIsStaff={viewerIsStaff} current="records" />
      <RecordsExplorer data={explorer} caption={`Cost records of ${tenant.name}`} />
      <NearCapPanel
        list={nearCap}
        explorerPath={`/t/${tenant.slug}/records`}
        showTenant={false}
        caption={`End users of ${tenant.name} at or near their default cap this period, fullest first`}
        note="Each links to the user's records of the period."
      />
    </>
  );
}
