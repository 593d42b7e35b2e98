// The navigation, as data: a new page adds one line here. Roles follow SPEC §6:
//   admin        everything, incl. Users and API keys
//   finance      Overview, Tenants, Pricing, Quotas, Cost records, Cost optimization, Alerts, Audit log
//   ops          Overview, Tenants, Quotas, Cost records, Anomalies, Cost optimization, Alerts, Touchpoints, Sandbox errors, Spool
//   tenant_admin their own tenant only: Spend, Cost records, Quotas, Alerts
// Only pages that exist are listed (no "coming soon" links). The menu is a convenience, not
// access control: every loader still calls requireUser / requireTenantAccess.
import type { Role } from "~/services/auth.server.ts";

export interface NavItem {
  label: string;
  /** A path; ":tenantSlug" is replaced with the signed-in tenant admin's tenant. */
  to: string;
  roles: readonly Role[];
  /** Active only on this exact path, not on its children. */
  end?: boolean;
}

const STAFF = ["admin", "finance", "ops"] as const;

export const NAV_ITEMS: readonly NavItem[] = [
  { label: "Overview", to: "/admin", roles: STAFF, end: true },
  { label: "Tenants", to: "/tenants", roles: STAFF },
  { label: "Pricing", to: "/pricing", roles: ["admin", "finance"] },
  { label: "Quotas", to: "/quotas", roles: STAFF },
  { label: "Cost records", to: "/records", roles: STAFF },
  { label: "Anomalies", to: "/anomalies", roles: ["admin", "ops"] },
  { label: "Cost optimization", to: "/cost-optimization", roles: STAFF },
  { label: "Alerts", to: "/alerts", roles: STAFF },
  { label: "Touchpoints", to: "/touchpoints", roles: ["admin", "ops"] },
  { label: "Sandbox errors", to: "/sandbox-errors", roles: ["admin", "ops"] },
  { label: "Spool", to: "/spool", roles: ["admin", "ops"] },
  { label: "Audit log", to: "/audit", roles: ["admin", "finance"] },
  { label: "Users", to: "/users", roles: ["admin"] },
  { label: "API keys", to: "/api-keys", roles: ["admin"] },
  { label: "Spend", to: "/t/:tenantSlug", roles: ["tenant_admin"], end: true },
  { label: "Cost records", to: "/t/:tenantSlug/records", roles: ["tenant_admin"] },
  { label: "Quotas", to: "/t/:tenantSlug/quotas", roles: ["tenant_admin"] },
  { label: "Alerts", to: "/t/:tenantSlug/alerts", roles: ["tenant_admin"] },
];

export function navItemsFor(user: { role: Role; tenantSlug: string | null }): { label: string; to: string; end: boolean }[] {
  return NAV_ITEMS.filter((item) => item.roles.includes(user.role))
    .filter((item) => !item.to.includes(":tenantSlug") || user.tenantSlug)
    .map((item) => ({
      label: item.label,
      to: item.to.replace(":tenantSlug", encodeURIComponent(user.tenantSlug ?? "")),
      end: item.end ?? false,
    }));
}
