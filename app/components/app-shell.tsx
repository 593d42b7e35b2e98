// The frame of every page: skip link, header (brand, menu toggle on phones, the signed-in
// user and Sign out), the role's navigation, and the main landmark.
import { Form, Link, NavLink, useLocation } from "@remix-run/react";
import { useEffect, useId, useState, type ReactNode } from "react";
import type { NavLinkItem, Role } from "~/services/policy.server.ts";
import { ROLE_LABEL } from "./format.ts";

export interface ShellUser {
  name: string;
  email: string;
  role: Role;
  tenantSlug: string | null;
}

/** `nav`: the user's menu, from policy.server.ts's navItemsFor in the root loader. */
export function AppShell({ user, nav, children }: { user: ShellUser | null; nav: NavLinkItem[]; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const navId = useId();
  // A tap on a link should also close the phone menu.
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const items = user ? nav : [];

  return (
    <div className={`shell${user ? "" : " shell--public"}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        {items.length > 0 && (
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls={navId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            <span aria-hidden="true">☰</span> Menu
          </button>
        )}
        <Link to="/" className="brand">
          Tollgate
        </Link>
        {user && (
          <div className="user-box">
            <span className="user-name">{user.name}</span>
            <span className="user-role">
              {ROLE_LABEL[user.role]}
              {user.tenantSlug ? ` · ${user.tenantSlug}` : ""}
            </span>
            <Form method="post" action="/logout">
              <button type="submit" className="button button--quiet">
                Sign out
              </button>
            </Form>
          </div>
        )}
      </header>
      {items.length > 0 && (
        <nav id={navId} className={`shell-nav${menuOpen ? " is-open" : ""}`} aria-label="Main">
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end} prefetch="intent">
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1} className="shell-main">
        {children}
      </main>
    </div>
  );
}
