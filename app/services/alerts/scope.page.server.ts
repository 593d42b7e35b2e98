// Who is managing alerts, and what they may touch. Staff (admin, finance, ops) manage platform
// channels and every tenant's; a tenant admin only their own tenant's. Everything the scope may
// not see answers not_found, exactly like a missing row, so ids of other tenants' channels leak
// nothing (docs/adr/0002: 404, not 403).
import { TollgateError } from "~/core/index.ts";
import type { SessionUser } from "../auth.server.ts";
import { isStaff } from "../policy.server.ts";

export type AlertScope = { kind: "staff" } | { kind: "tenant"; tenantId: string };

export function scopeFor(user: Pick<SessionUser, "role" | "tenantId">, tenantId?: string): AlertScope {
  if (isStaff(user.role)) return { kind: "staff" };
  if (!user.tenantId || (tenantId && tenantId !== user.tenantId)) throw new TollgateError("not_found", "Not found.");
  return { kind: "tenant", tenantId: user.tenantId };
}

/** SQL filter on a tenant_id column: staff see all rows, a tenant its own. `$n` is the param. */
export function scopeFilter(scope: AlertScope, column: string, n: number): { sql: string; param: string | null } {
  return { sql: `($${n}::uuid IS NULL OR ${column} = $${n})`, param: scope.kind === "tenant" ? scope.tenantId : null };
}

/** A row's tenant must be visible to the scope; otherwise it does not exist for them. */
export function assertVisible(scope: AlertScope, rowTenantId: string | null): void {
  if (scope.kind === "tenant" && rowTenantId !== scope.tenantId) throw new TollgateError("not_found", "Not found.");
}

