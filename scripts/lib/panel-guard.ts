// What every control-panel request that changes something must pass before Remix sees it:
// a same-origin check (CSRF) and a body-size limit. express middleware, mounted by
// scripts/serve.ts in front of the Remix handler (docs/security.md, "panel requests").
//
// /api/* is left alone: those routes authenticate with a bearer API key (never a cookie), so a
// forged cross-site request carries no credentials, and they enforce their own 64 KiB limit
// with their own 413 contract (app/services/api/request.server.ts).
import { logger } from "../../app/services/logger.server.ts";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Any panel form or action. */
export const PANEL_BODY_LIMIT = 1 * MiB;
/** The sign-in form: an email and a password (≤ 1024 characters) need a few hundred bytes. */
export const SIGN_IN_BODY_LIMIT = 16 * KiB;
/**
 * The price CSV import: the file may be 512 KiB (MAX_IMPORT_BYTES), and the confirmation form
 * sends the previewed text back url-encoded, which can triple its size (a comma is "%2C").
 */
export const PRICE_IMPORT_BODY_LIMIT = 2 * MiB;

/** The body a guarded request was read into; remix-handler.ts hands it to Remix. */
export interface GuardedRequest extends ExpressRequest {
  bufferedBody?: Buffer;
  /**
   * The same-origin check passed (this file's, which also accepts PUBLIC_URL). Remix's own
   * host-only check would then only add false alarms (a 500 when a proxy rewrites Host), so
   * remix-handler.ts does not hand it the Origin header.
   */
  originVerified?: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** Remix's client-side navigations post to `<route>.data`; the limit is the route's. */
function routePath(path: string): string {
  const p = path.replace(/\.data$/, "").replace(/\/+$/, "");
  return p === "" ? "/" : p;
}

export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

export function bodyLimitFor(path: string): number {
  const p = routePath(path);
  if (p === "/login") return SIGN_IN_BODY_LIMIT;
  if (p === "/pricing/import") return PRICE_IMPORT_BODY_LIMIT;
  return PANEL_BODY_LIMIT;
}

/**
 * The origin the browser addressed, as express sees it: X-Forwarded-Proto/-Host count only
 * when the peer is a trusted proxy (TRUST_PROXY, express's "trust proxy"); otherwise the
 * connection's own scheme and the Host header.
 */
export function requestOrigin(req: ExpressRequest): string {
  const trust = req.app.get("trust proxy fn") as (addr: string | undefined, i: number) => boolean;
  let host = req.get("X-Forwarded-Host");
  if (!host || !trust(req.socket.remoteAddress, 0)) host = req.get("Host");
  else host = host.split(",")[0].trim();
  try {
    return new URL(`${req.protocol}://${host ?? ""}`).origin;
  } catch {
    return "null";
  }
}

function originOf(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Why a state-changing request is refused as cross-site, or null when it may proceed.
 * Browsers send `Origin` on every POST (also same-origin form posts); `Sec-Fetch-Site` covers
 * a browser that left Origin out. A request with neither is not from a browser page of ours.
 */
export function crossSiteReason(req: ExpressRequest, extraOrigins: readonly string[] = []): string | null {
  const origin = req.get("Origin");
  if (origin !== undefined) {
    const sent = originOf(origin);
    if (sent && (sent === requestOrigin(req) || extraOrigins.includes(sent))) return null;
    return `it was sent from another origin (${origin.slice(0, 200)})`;
  }
  const site = req.get("Sec-Fetch-Site");
  if (site === "same-origin" || site === "none") return null;
  return site ? `the browser marked it ${site.slice(0, 40)}` : "it carries neither an Origin nor a Sec-Fetch-Site header";
}

function page(title: string, message: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Tollgate</title></head>` +
    `<body><main><h1>${esc(title)}</h1><p>${esc(message)}</p><p><a href="/">Back to Tollgate</a></p></main></body></html>\n`;
}

function refuse(res: ExpressResponse, status: number, title: string, message: string) {
  // Connection: close: the rest of an unread body is not worth receiving; the client still
  // gets this answer because the socket is ended (not reset) after it is written.
  res.status(status).set({ "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", Connection: "close" });
  res.end(page(title, message));
}

function formatLimit(bytes: number) {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

export function panelGuard(opts: { extraOrigins?: readonly string[]; log?: (line: string) => void } = {}) {
  const extraOrigins = (opts.extraOrigins ?? []).map((o) => originOf(o)).filter((o): o is string => !!o);
  const log = opts.log ?? ((line: string) => logger("http").warn(line));
  return (req: GuardedRequest, res: ExpressResponse, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || isApiPath(req.path)) return next();

    const reason = crossSiteReason(req, extraOrigins);
    if (reason) {
      // One line, no stack: a refused forgery is expected traffic, not a server fault.
      log(`[tollgate] refused ${req.method} ${req.path}: cross-site request (${reason})`);
      return refuse(
        res,
        403,
        "Request refused",
        `Tollgate accepts changes only from its own pages, and this request was refused because ${reason}. ` +
          "If you sent it from Tollgate, reload the page and try again.",
      );
    }

    req.originVerified = true;

    const limit = bodyLimitFor(req.path);
    const tooLarge = () =>
      refuse(res, 413, "Request too large", `The form you sent is larger than ${formatLimit(limit)}, so nothing was saved.`);
    const declared = req.get("Content-Length");
    if (declared !== undefined && Number(declared) > limit) return tooLarge();

    // Read the whole body (at most `limit` bytes) before Remix runs: an action never sees a
    // partial form, so a refused body leaves nothing written. Chunked bodies are counted as
    // they arrive.
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      req.off("data", onData).off("end", onEnd).off("error", finish);
      if (error) return next(error);
      req.bufferedBody = Buffer.concat(chunks);
      next();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done = true;
      req.off("data", onData).off("end", onEnd).off("error", finish);
      chunks.length = 0;
      // Keep draining (and discarding) so the client can finish sending and read the 413.
      req.resume();
      tooLarge();
    };
    const onEnd = () => finish();
    req.on("data", onData).on("end", onEnd).on("error", finish);
  };
}
