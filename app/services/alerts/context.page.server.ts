// The alert pages exist twice: for staff under /alerts (platform and every tenant's channels)
// and for a tenant under /t/<slug>/alerts (that tenant's channels only). Both trees share their
// loaders and actions; this resolves who is asking and what they may touch, once per request.
import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { orNotFound } from "../action-error.server.ts";
import { actorFor, type Actor } from "../audit.server.ts";
import { requireArea, requireTenantAccess, type SessionUser, type TenantRef } from "../auth.server.ts";
import { isStaff } from "../policy.server.ts";
import { tenantOptions } from "../tenants.server.ts";
import type { AlertScope } from "./scope.page.server.ts";

export interface AlertContext {
  user: SessionUser;
  actor: Actor;
  scope: AlertScope;
  /** "/alerts" or "/t/<slug>/alerts": every link and redirect of the pages starts here. */
  base: string;
  /** The tenant of a /t/<slug>/alerts page; null on the staff pages. */
  tenant: TenantRef | null;
  /** Staff by role (also on a tenant's pages): may read receivers' answers and error details. */
  staffViewer: boolean;
}

export async function alertContext(request: Request, params: LoaderFunctionArgs["params"]): Promise<AlertContext> {
  if (params.tenantSlug !== undefined) {
    // Staff may open a tenant's alert pages too; there they see only that tenant's channels.
    const { user, tenant } = await requireTenantAccess(request, params.tenantSlug);
    return { user, actor: actorFor(user), scope: { kind: "tenant", tenantId: tenant.id }, base: `/t/${tenant.slug}/alerts`, tenant, staffViewer: isStaff(user.role) };
  }
  const user = await requireArea(request, "alerts");
  return { user, actor: actorFor(user), scope: { kind: "staff" }, base: "/alerts", tenant: null, staffViewer: true };
}


/** Tenants a staff user may pick on the forms (tenant pages fix the tenant: none to pick). */
export async function pickableTenants(ctx: AlertContext) {
  return ctx.scope.kind === "staff" ? tenantOptions() : [];
}

export { orNotFound };

/** A form answered with its errors: 400, so scripts and tests see the refusal in the status. */
export const invalid = <T,>(body: T) => data(body, { status: 400 });
