// Server-side sessions for the control panel. The cookie carries a random 32-byte token; the
// sessions table stores only its SHA-256, so a leaked database dump cannot be replayed as
// cookies. Revocation (sign-out, disabling a user) is a row delete, effective immediately.
import { createHash, randomBytes } from "node:crypto";
import { db } from "~/db/client.server.ts";
import { getConfig } from "~/services/config.server.ts";

export const SESSION_COOKIE = "tollgate_session";
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates a session row and returns the Set-Cookie header value that carries its token. */
export async function createSession(userId: string, request: Request, now = new Date()) {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  // Expired sessions of this user are dead weight; dropping them here keeps the table small
  // without a cleanup job.
  await db().session.deleteMany({ where: { userId, expiresAt: { lt: now } } });
  await db().session.create({ data: { tokenHash: hashToken(token), userId, expiresAt } });
  return serializeSessionCookie(token, request, expiresAt, now);
}

/** The token from the request's Cookie header, if any. */
export function readSessionToken(request: Request): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    // Tokens are base64url; anything else is not ours and is not worth a database lookup.
    return /^[A-Za-z0-9_-]{20,128}$/.test(value) ? value : null;
  }
  return null;
}

export async function deleteSession(token: string) {
  await db().session.deleteMany({ where: { tokenHash: hashToken(token) } });
}

export function serializeSessionCookie(token: string, request: Request, expires: Date, now = new Date()) {
  const maxAge = Math.max(0, Math.floor((expires.getTime() - now.getTime()) / 1000));
  return cookieString(token, request, `Expires=${expires.toUTCString()}; Max-Age=${maxAge}`);
}

export function clearSessionCookie(request: Request) {
  return cookieString("", request, "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0");
}

function cookieString(value: string, request: Request, expiry: string) {
  const parts = [`${SESSION_COOKIE}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", expiry];
  if (useSecureCookie(request)) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Secure whenever the request arrived over HTTPS, and in production on any non-loopback host.
 * Not on plain-HTTP loopback in production: `npm start` serves http://127.0.0.1, and Safari
 * drops Secure cookies set over plain HTTP even on localhost, so sign-in would silently fail.
 */
export function useSecureCookie(request: Request): boolean {
  const url = new URL(request.url);
  if (url.protocol === "https:") return true;
  if (getConfig().NODE_ENV !== "production") return false;
  return !isLoopback(url.hostname);
}

function isLoopback(hostname: string) {
  return hostname === "localhost" || hostname === "[::1]" || hostname === "::1" || /^127\./.test(hostname);
}
