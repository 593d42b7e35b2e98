// The top of every alert page: heading, a breadcrumb on the tenant pages for staff, and tabs
// between channels, rules and the delivery log. Links are relative to the page tree's base
// ("/alerts" for staff, "/t/<slug>/alerts" for a tenant).
import { Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";

const TABS = [
  { label: "Channels", path: "" },
  { label: "Rules", path: "/rules" },
  { label: "Delivery log", path: "/deliveries" },
] as const;

export function AlertsHeader({
  base,
  tenantName,
  title,
  crumb,
  children,
}: {
  base: string;
  /** Set on the tenant pages. */
  tenantName: string | null;
  title: string;
  /** A parent link for sub-pages (e.g. back to the channel list). */
  crumb?: { to: string; label: string };
  children?: ReactNode;
}) {
  return (
    <>
      <div className="page-head">
        {crumb && (
          <p className="breadcrumb">
            <Link to={crumb.to}>{crumb.label}</Link> /
          </p>
        )}
        <h1>{title}</h1>
        {children}
      </div>
      {!crumb && (
        <nav className="alerts-tabs" aria-label={tenantName ? `${tenantName} alert pages` : "Alert pages"}>
          <ul>
            {TABS.map((t) => (
              <li key={t.label}>
                <NavLink to={base + t.path} end prefetch="intent">
                  {t.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </>
  );
}

/** "Acme" pages say whose alerts they are; staff pages cover the platform and every tenant. */
export const alertsTitle = (section: string, tenantName: string | null) => (tenantName ? `${section} · ${tenantName}` : section);
