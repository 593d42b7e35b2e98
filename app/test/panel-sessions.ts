// Calling the panel's loaders and actions directly, as a signed-in person (the role and tenant
// checks of every page): users with real session cookies, requests that carry them, and the
// status a loader or action answered.
import { hash } from "@node-rs/argon2";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type pg from "pg";
import type { Role } from "../services/auth.server.ts";
import { createSession, SESSION_COOKIE } from "../services/session.server.ts";

const BASE = "http://127.0.0.1:3000";

export interface SignedInUser {
  id: string;
  cookie: string;
}

/** One user per key (email `<key>@tollgate.test`), each with a live session. */
export async function signInUsers<K extends string>(
  pool: pg.Pool,
  users: Record<K, { role: Role; tenantId?: string | null }>,
): Promise<Record<K, SignedInUser>> {
  const passwordHash = await hash("irrelevant password");
  const out = {} as Record<K, SignedInUser>;
  for (const [key, { role, tenantId }] of Object.entries(users) as [K, { role: Role; tenantId?: string | null }][]) {
    const { rows } = await pool.query(
      `INSERT INTO users (email, name, role, tenant_id, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [`${key}@tollgate.test`, key, role, tenantId ?? null, passwordHash],
    );
    const setCookie = await createSession(rows[0].id, new Request(`${BASE}/login`));
    out[key] = { id: rows[0].id, cookie: new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie)![1] };
  }
  return out;
}

/** A GET (or, with `form`, a urlencoded POST) of a panel path, signed in as `user` (null: signed out). */
export function panelRequest(user: SignedInUser | null, path: string, form?: Record<string, string>): Request {
  const headers = new Headers(user ? { Cookie: `${SESSION_COOKIE}=${user.cookie}` } : {});
  if (!form) return new Request(`${BASE}${path}`, { headers });
  headers.set("Content-Type", "application/x-www-form-urlencoded");
  return new Request(`${BASE}${path}`, { method: "POST", headers, body: new URLSearchParams(form) });
}

/** What Remix passes a route's loader or action. */
export const routeArgs = (request: Request, params: Record<string, string> = {}): LoaderFunctionArgs & ActionFunctionArgs => ({
  request,
  params,
  context: {},
});

/** The answer's status: a returned Response's, data()'s `init.status`, a thrown Response's; else 200. */
export async function statusOf(run: () => Promise<unknown>): Promise<number> {
  try {
    const result = (await run()) as { init?: { status?: number } | null } | undefined;
    if (result instanceof Response) return result.status;
    return result?.init?.status ?? 200;
  } catch (e) {
    if (e instanceof Response) return e.status;
    throw e;
  }
}

/** Who the access tests sign in as: every role, plus the admin of a second tenant. */
export type PanelWho = Role | "globex_admin";

/**
 * Tenants acme and globex, and one signed-in user per role (the tenant admin of acme) plus
 * globex_admin: the cast of every page-access test.
 */
export async function signInPanelCast(pool: pg.Pool): Promise<{ tenants: Record<"acme" | "globex", string>; users: Record<PanelWho, SignedInUser> }> {
  const { rows } = await pool.query(`INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex') RETURNING id, slug`);
  const tenants = Object.fromEntries(rows.map((r) => [r.slug, r.id])) as Record<"acme" | "globex", string>;
  const users = await signInUsers(pool, {
    admin: { role: "admin" },
    finance: { role: "finance" },
    ops: { role: "ops" },
    tenant_admin: { role: "tenant_admin", tenantId: tenants.acme },
    globex_admin: { role: "tenant_admin", tenantId: tenants.globex },
  });
  return { tenants, users };
}
