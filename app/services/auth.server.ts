// Sign-in and the guards every loader and action calls. Pages a user may not see answer 404,
// not 403, so URLs do not reveal which tenants or admin pages exist (docs/adr/0002).
import { hash, verify } from "@node-rs/argon2";
import { redirect } from "@remix-run/node";
import { db } from "~/db/client.server.ts";
import { withLoginThrottle } from "./login-throttle.server.ts";
import { isStaff, may, mayOpenTenant, type Area, type Role } from "./policy.server.ts";
import { clearSessionCookie, createSession, deleteSession, hashToken, readSessionToken } from "./session.server.ts";

export type { Role };

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  tenantId: string | null;
  /** The tenant a tenant_admin administers; null for staff. */
  tenantSlug: string | null;
}

export interface TenantRef {
  id: string;
  slug: string;
  name: string;
  status: "active" | "suspended";
}

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's address as the HTTP server saw it (express `req.ip`). */
    clientIp?: string;
  }
}

export function notFound(): Response {
  return new Response("Not Found", { status: 404, statusText: "Not Found" });
}

/** Where a user lands after signing in or visiting `/`. */
export function homePathFor(user: Pick<SessionUser, "role" | "tenantSlug">): string {
  if (isStaff(user.role)) return "/admin";
  return user.tenantSlug ? `/t/${user.tenantSlug}` : "/login";
}

/**
 * Same-origin paths only: "/tenants?q=a" passes; "//evil.test", "/\evil.test",
 * "https://evil.test" and anything with control characters fall back.
 */
export function safeRedirect(to: unknown, fallback: string): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(to)) return fallback;
  const base = "http://tollgate.invalid";
  const url = new URL(to, base);
  if (url.origin !== base) return fallback;
  return url.pathname + url.search + url.hash;
}

// Root and page loaders run in parallel for the same request and both ask for the user;
// one database lookup serves them all.
const usersByRequest = new WeakMap<Request, Promise<SessionUser | null>>();

/** The signed-in user, or null (no cookie, unknown or expired session, disabled user). */
export function getOptionalUser(request: Request): Promise<SessionUser | null> {
  let user = usersByRequest.get(request);
  if (!user) {
    user = lookUpSessionUser(request);
    usersByRequest.set(request, user);
  }
  return user;
}

async function lookUpSessionUser(request: Request): Promise<SessionUser | null> {
  const token = readSessionToken(request);
  if (!token) return null;
  const session = await db().session.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { include: { tenant: { select: { slug: true } } } } },
  });
  if (!session) return null;
  if (session.expiresAt <= new Date() || session.user.disabledAt) {
    await db().session.delete({ where: { id: session.id } }).catch(() => {});
    return null;
  }
  const u = session.user;
  return { id: u.id, email: u.email, name: u.name, role: u.role, tenantId: u.tenantId, tenantSlug: u.tenant?.slug ?? null };
}

/** The signed-in user, or a thrown redirect to /login?redirectTo=<this page>. */
export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getOptionalUser(request);
  if (!user) {
    const url = new URL(request.url);
    const back = url.pathname + url.search;
    const login = back === "/" ? "/login" : `/login?${new URLSearchParams({ redirectTo: back })}`;
    // A stale cookie is cleared so the browser stops sending it.
    const headers = readSessionToken(request) ? { "Set-Cookie": clearSessionCookie(request) } : undefined;
    throw redirect(login, { headers });
  }
  return user;
}

/** The signed-in user whose role may use `area` (policy.server.ts); any other role gets a thrown 404. */
export async function requireArea(request: Request, area: Area): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!may(user.role, area)) throw notFound();
  return user;
}

/**
 * The user and the tenant behind `tenantSlug`. Staff may open any tenant; a tenant admin
 * only their own. Another tenant and an unknown slug both answer 404, indistinguishably.
 */
export async function requireTenantAccess(
  request: Request,
  tenantSlug: string | undefined,
): Promise<{ user: SessionUser; tenant: TenantRef }> {
  const user = await requireArea(request, "tenant");
  if (!tenantSlug) throw notFound();
  if (!isStaff(user.role) && user.tenantSlug !== tenantSlug) throw notFound();
  const tenant = await db().tenant.findUnique({
    where: { slug: tenantSlug },
    select: { id: true, slug: true, name: true, status: true },
  });
  if (!tenant) throw notFound();
  if (!mayOpenTenant(user, tenant.id)) throw notFound();
  return { user, tenant };
}

export type SignInResult =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: "invalid_credentials" | "disabled" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

// Verifying against a fixed hash when the email is unknown makes "no such user" take as long
// as "wrong password", so response times do not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;
const unknownUserHash = () => (dummyHash ??= hash("tollgate: no such user"));

export async function signIn(input: { email: string; password: string; ip: string }): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  type Checked = Exclude<SignInResult, { reason: "throttled" }>;
  const outcome = await withLoginThrottle<Checked>({ email, ip: input.ip }, async () => {
    const user = await db().user.findFirst({
      where: { email: { equals: email, mode: "insensitive" } },
      include: { tenant: { select: { slug: true } } },
    });
    const passwordOk = await verify(user?.passwordHash ?? (await unknownUserHash()), input.password).catch(() => false);
    if (!user || !passwordOk) return { success: false, value: { ok: false, reason: "invalid_credentials" } };
    // Only someone who knows the password learns that the account is disabled.
    if (user.disabledAt) return { success: false, value: { ok: false, reason: "disabled" } };
    const sessionUser: SessionUser = {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      tenantId: user.tenantId,
      tenantSlug: user.tenant?.slug ?? null,
    };
    return { success: true, value: { ok: true, user: sessionUser } };
  });
  if (outcome.throttled) return { ok: false, reason: "throttled", retryAfterSeconds: outcome.retryAfterSeconds };
  if (outcome.value.ok) await db().user.update({ where: { id: outcome.value.user.id }, data: { lastLoginAt: new Date() } });
  return outcome.value;
}

/** Starts a session for `user` and redirects to `redirectTo` (already sanitised) or home. */
export async function startSessionAndRedirect(user: SessionUser, request: Request, redirectTo: string | null) {
  const cookie = await createSession(user.id, request);
  return redirect(redirectTo ?? homePathFor(user), { headers: { "Set-Cookie": cookie } });
}

/** Deletes the current session (if any) and redirects to the sign-in page. */
export async function signOut(request: Request) {
  const token = readSessionToken(request);
  if (token) await deleteSession(token);
  return redirect("/login", { headers: { "Set-Cookie": clearSessionCookie(request) } });
}

/** The client address for throttling; "unknown" when the server did not provide one. */
export function clientIp(context: { clientIp?: string } | undefined): string {
  return context?.clientIp || "unknown";
}
