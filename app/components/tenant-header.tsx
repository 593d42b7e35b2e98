// The top of every tenant page: breadcrumb and links between the tenant's pages (staff; a
// tenant admin has them in the main navigation), and the page heading.
import { Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";

export interface TenantHeading {
  slug: string;
  name: string;
  status: "active" | "suspended";
}

const SECTIONS = [
  { key: "spend", label: "Spend", path: "" },
  { key: "records", label: "Cost records", path: "/records" },
] as const;

export function TenantHeader({
  tenant,
  viewerIsStaff,
  current,
  children,
}: {
  tenant: TenantHeading;
  viewerIsStaff: boolean;
  current: (typeof SECTIONS)[number]["key"];
  /** Extra lines under the heading. */
  children?: ReactNode;
}) {
  const section = SECTIONS.find((s) => s.key === current)!;
  return (
    <>
      {viewerIsStaff && (
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/tenants">Tenants</Link> <span aria-hidden="true">/</span>{" "}
          {current === "spend" ? <span>{tenant.name}</span> : <Link to={`/t/${tenant.slug}`}>{tenant.name}</Link>}
          {current !== "spend" && (
            <>
              {" "}
              <span aria-hidden="true">/</span> <span>{section.label}</span>
            </>
          )}
        </nav>
      )}
      <div className="page-head">
        {current === "spend" ? (
          <h1>
            {tenant.name}
            {tenant.status !== "active" && <span className="badge badge--suspended">{tenant.status}</span>}
          </h1>
        ) : (
          <h1>
            {tenant.name}: {section.label.toLowerCase()}
          </h1>
        )}
        {children}
      </div>
      {/* Tenant admins have these pages in the main navigation already. */}
      {viewerIsStaff && (
      <nav className="tenant-tabs" aria-label={`${tenant.name} pages`}>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.key}>
              <NavLink to={`/t/${tenant.slug}${s.path}`} end prefetch="intent">
                {s.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      )}
    </>
  );
}
