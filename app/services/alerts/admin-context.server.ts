// The alert pages exist twice: for staff under /alerts (platform and every tenant's channels)
// and for a tenant under /t/<slug>/alerts (that tenant's channels only). Both trees share their
// loaders and actions; this resolves who is asking and what they may touch, once per request.
import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { TollgateError } from "~/core/index.ts";
import type { FieldErrors } from "~/schemas/forms.ts";
import type { Actor } from "../audit.server.ts";
import { notFound, requireArea, requireTenantAccess, type SessionUser, type TenantRef } from "../auth.server.ts";
import { isStaff } from "../policy.server.ts";
import { tenantOptions } from "../tenant-options.server.ts";
import type { AlertScope } from "./admin-scope.server.ts";

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
    return { user, actor: actorOf(user), scope: { kind: "tenant", tenantId: tenant.id }, base: `/t/${tenant.slug}/alerts`, tenant, staffViewer: isStaff(user.role) };
  }
  const user = await requireArea(request, "alerts");
  return { user, actor: actorOf(user), scope: { kind: "staff" }, base: "/alerts", tenant: null, staffViewer: true };
}

const actorOf = (user: SessionUser): Actor => ({ id: user.id, label: `user:${user.email}` });

/** Tenants a staff user may pick on the forms (tenant pages fix the tenant: none to pick). */
export async function pickableTenants(ctx: AlertContext) {
  return ctx.scope.kind === "staff" ? tenantOptions() : [];
}

/**
 * A service error as the page answers it: not found → the 404 page (another tenant's id looks
 * exactly like a missing one); bad input and conflicts → errors next to the fields or on top.
 */
export function formErrorsOf(e: unknown): FieldErrors {
  if (e instanceof TollgateError && e.code === "not_found") throw notFound();
  if (e instanceof TollgateError && (e.code === "invalid_request" || e.code === "conflict")) {
    const out: FieldErrors = {};
    for (const i of e.issues) out[i.path || "form"] ??= i.message;
    if (Object.keys(out).length === 0) out.form = e.message;
    return out;
  }
  throw e;
}

/** Runs a service call for a loader: not_found becomes the 404 page. */
export async function orNotFound<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TollgateError && e.code === "not_found") throw notFound();
    throw e;
  }
}

/** A form answered with its errors: 400, so scripts and tests see the refusal in the status. */
export const invalid = <T,>(body: T) => data(body, { status: 400 });
