// One tenant's cost records: the explorer scoped to the tenant in the path (read under RLS).
// Staff may open any tenant; its tenant admin only their own (others are a 404).
import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { RecordsExplorer } from "~/components/records/records-explorer.tsx";
import spendStyles from "~/components/spend.css";
import { TenantHeader } from "~/components/tenant-header.tsx";
import { requireTenantAccess } from "~/services/auth.server.ts";
import { isStaff } from "~/services/policy.server.ts";
import { loadExplorer } from "~/services/records.page.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: spendStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Cost records · ${data.tenant.name} · Tollgate` : "Cost records · Tollgate" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user, tenant } = await requireTenantAccess(request, params.tenantSlug);
  const basePath = `/t/${tenant.slug}/records`;
  const { status, data: explorer } = await loadExplorer(
    { kind: "tenant", tenantId: tenant.id },
    new URL(request.url).searchParams,
    basePath,
  );
  return data({ tenant, viewerIsStaff: isStaff(user.role), explorer }, { status });
}

export default function TenantCostRecords() {
  const { tenant, viewerIsStaff, explorer } = useLoaderData<typeof loader>();
  return (
    <>
      <TenantHeader tenant={tenant} viewerIsStaff={viewerIsStaff} current="records" />
      <RecordsExplorer data={explorer} caption={`Cost records of ${tenant.name}`} />
    </>
  );
}
