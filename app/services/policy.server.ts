// Who may do what (SPEC §6), in one table: the navigation, every page guard (requireArea in
// auth.server.ts) and every action read it, and policy.test.ts walks it against every route.
// A page a role may not use answers 404, not 403, so URLs reveal nothing (docs/adr/0002); a
// post that names a scope or tenant the page does not allow answers 403.
import { ROLES, type Role } from "~/schemas/users.ts";

export { ROLES, type Role };
export const STAFF_ROLES = ["admin", "finance", "ops"] as const satisfies readonly Role[];

/** Each area of the panel (its pages and their actions) and the roles that may use it. */
export const AREAS = {
  overview: STAFF_ROLES,
  tenants: STAFF_ROLES,
  pricing: ["admin", "finance"],
  quotas: STAFF_ROLES,
  records: STAFF_ROLES,
  anomalies: ["admin", "ops"],
  costOptimization: STAFF_ROLES,
  alerts: STAFF_ROLES,
  touchpoints: ["admin", "ops"],
  sandboxErrors: ["admin", "ops"],
  spool: ["admin", "ops"],
  audit: ["admin", "finance"],
  users: ["admin"],
  apiKeys: ["admin"],
  /** /t/<slug>/…: every role, for the tenants mayOpenTenant allows. */
  tenant: ROLES,
} as const satisfies Record<string, readonly Role[]>;

export type Area = keyof typeof AREAS;

export function may(role: Role, area: Area): boolean {
  return (AREAS[area] as readonly Role[]).includes(role);
}

export function isStaff(role: Role): boolean {
  return (STAFF_ROLES as readonly Role[]).includes(role);
}

/** Staff open any tenant's pages; a tenant admin only their own tenant's. */
export function mayOpenTenant(user: { role: Role; tenantId: string | null }, tenantId: string): boolean {
  return isStaff(user.role) || user.tenantId === tenantId;
}

/**
 * On a tenant's own quota page (/t/<slug>/quotas), whoever opens it writes only the quotas of
 * that tenant's end users: user-scope quotas (one user each) and the tenant's per-user defaults
 * (`each_user`, ADR 0016); the tenant's own, platform and platform-wide default quotas are set
 * by staff on /quotas. Scope and tenant come from the URL: a form naming another scope or tenant
 * is refused.
 */
const END_USER_SCOPES = ["user", "each_user"];
export const tenantPageQuotas = {
  mayCreate(form: { scope?: string; tenantId?: string }, tenant: { id: string; slug: string }): boolean {
    return END_USER_SCOPES.includes(form.scope ?? "user") && (form.tenantId === undefined || form.tenantId === tenant.id || form.tenantId === tenant.slug);
  },
  mayEdit(quota: { scope: string; tenantId: string | null }, tenantId: string): boolean {
    return END_USER_SCOPES.includes(quota.scope) && quota.tenantId === tenantId;
  },
};

export interface NavItem {
  label: string;
  /** A path; ":tenantSlug" is replaced with the signed-in tenant admin's tenant. */
  to: string;
  area: Area;
  /** Active only on this exact path, not on its children. */
  end?: boolean;
}

/** The menu, in order; only pages that exist (no "coming soon" links). */
export const NAV_ITEMS: readonly NavItem[] = [
  { label: "Overview", to: "/admin", area: "overview", end: true },
  { label: "Tenants", to: "/tenants", area: "tenants" },
  { label: "Pricing", to: "/pricing", area: "pricing" },
  { label: "Quotas", to: "/quotas", area: "quotas" },
  { label: "Cost records", to: "/records", area: "records" },
  { label: "Anomalies", to: "/anomalies", area: "anomalies" },
  { label: "Cost optimization", to: "/cost-optimization", area: "costOptimization" },
  { label: "Alerts", to: "/alerts", area: "alerts" },
  { label: "Touchpoints", to: "/touchpoints", area: "touchpoints" },
  { label: "Sandbox errors", to: "/sandbox-errors", area: "sandboxErrors" },
  { label: "Spool", to: "/spool", area: "spool" },
  { label: "Audit log", to: "/audit", area: "audit" },
  { label: "Users", to: "/users", area: "users" },
  { label: "API keys", to: "/api-keys", area: "apiKeys" },
  // Only users with a tenant of their own (tenant admins) get these; staff reach tenants via /tenants.
  { label: "Spend", to: "/t/:tenantSlug", area: "tenant", end: true },
  { label: "Cost records", to: "/t/:tenantSlug/records", area: "tenant" },
  { label: "Quotas", to: "/t/:tenantSlug/quotas", area: "tenant" },
  { label: "Alerts", to: "/t/:tenantSlug/alerts", area: "tenant" },
];

export interface NavLinkItem {
  label: string;
  to: string;
  end: boolean;
}

/** The user's menu: the items of the areas their role may use (the guards still decide access). */
export function navItemsFor(user: { role: Role; tenantSlug: string | null }): NavLinkItem[] {
  return NAV_ITEMS.filter((item) => may(user.role, item.area))
    .filter((item) => !item.to.includes(":tenantSlug") || user.tenantSlug !== null)
    .map((item) => ({
      label: item.label,
      to: item.to.replace(":tenantSlug", encodeURIComponent(user.tenantSlug ?? "")),
      end: item.end ?? false,
    }));
}
