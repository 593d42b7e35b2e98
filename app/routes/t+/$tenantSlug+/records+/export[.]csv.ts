// One tenant's records as a CSV download (same filters as its explorer; read under RLS).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireTenantAccess } from "~/services/auth.server.ts";
import { csvResponse } from "~/services/records-export.server.ts";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { tenant } = await requireTenantAccess(request, params.tenantSlug);
  return csvResponse({ kind: "tenant", tenantId: tenant.id }, new URL(request.url).searchParams, tenant.slug);
}
