// The lean path for machine traffic: /api/v1, /healthz and /readyz are Remix resource routes
// (no component, just a loader and an action), yet through Remix's request handler each call
// paid for express, static-file lookups, the route-matching compile and the document pipeline:
// ~2.7 ms of server CPU for a health check that a bare node:http server answers in 0.3 ms
// (`npm run bench:http`, docs/benchmarks.md). Here those routes are matched once against the
// build's own route table and their loader/action is called directly — the same modules, the
// same zod schemas and error mapper, so the contract cannot drift from what Remix would serve.
import type { ServerBuild } from "@remix-run/node";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fetchRequest, sendResponse, type LoadContextFor } from "./remix-handler.ts";
import { annotateRequest } from "../../app/services/logger.server.ts";

type RouteModule = ServerBuild["routes"][string]["module"];
type Handler = NonNullable<RouteModule["loader"]>;

interface LeanRoute {
  id: string;
  /** The URL pattern, e.g. /api/v1/reservations/:id/settle (the request log's route label). */
  path: string;
  pattern: RegExp;
  keys: string[];
  score: number;
  module: RouteModule;
}

/** Which URL paths the lean router answers; everything else goes to Remix as before. */
export const LEAN_PREFIXES = ["/api/v1/", "/healthz", "/readyz"] as const;

/** Case-insensitive, as react-router matches paths. */
const isLean = (path: string) => {
  const lower = path.toLowerCase();
  return LEAN_PREFIXES.some((p) => (p.endsWith("/") ? lower.startsWith(p) : lower === p || lower === `${p}/`));
};

/** react-router's ranking: static segments beat params, params beat a splat. */
function scoreOf(segments: string[]) {
  return segments.reduce((s, seg) => s + (seg === "*" ? -2 : seg.startsWith(":") ? 3 : 10), segments.length);
}

function compile(build: ServerBuild): LeanRoute[] {
  const fullPath = (id: string): string[] => {
    const r = build.routes[id];
    const own = (r.path ?? "").split("/").filter(Boolean);
    return r.parentId ? [...fullPath(r.parentId), ...own] : own;
  };
  const routes: LeanRoute[] = [];
  for (const [id, r] of Object.entries(build.routes)) {
    const segments = fullPath(id);
    const path = `/${segments.join("/")}`;
    if (!isLean(path.endsWith("*") ? path.slice(0, -1) : path)) continue;
    // A page under these prefixes would need Remix's document pipeline: refuse to start
    // rather than serve it wrongly.
    if (r.module.default) throw new Error(`lean routes: ${id} (${path}) renders a page; only resource routes may live under ${LEAN_PREFIXES.join(", ")}`);
    const keys: string[] = [];
    const source = segments
      .map((seg) => {
        if (seg === "*") {
          keys.push("*");
          return "(?:/(.*))?";
        }
        if (seg.startsWith(":")) {
          keys.push(seg.slice(1));
          return "/([^/]+)";
        }
        return `/${seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      })
      .join("");
    // Case-insensitive and a trailing slash allowed, as react-router matches.
    routes.push({ id, path, pattern: new RegExp(`^${source}/?$`, "i"), keys, score: scoreOf(segments), module: r.module });
  }
  return routes.sort((a, b) => b.score - a.score);
}

/** A path segment as text, or undefined when its escapes are not UTF-8 (e.g. a lone surrogate). */
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

/**
 * A parameter whose escapes do not decode: 400 in the API's error shape, before any handler
 * runs. (react-router would pass the raw text on, and the handler would look up "%ED%A0%80"
 * and answer 404; express used to refuse such paths with an HTML 400.)
 */
function malformed(param: string) {
  return Response.json(
    { error: "invalid_request", message: "The request is not valid.", issues: [{ path: param, message: "not valid UTF-8 percent-encoding" }] },
    { status: 400 },
  );
}

export function leanRouter(build: ServerBuild, opts: { getLoadContext?: LoadContextFor } = {}) {
  const routes = compile(build);
  /** Answers the request and returns true, or returns false for Remix to serve it. */
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (!isLean(path)) return false;
    for (const route of routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      annotateRequest({ route: route.path });
      const params: Record<string, string> = {};
      let bad: string | undefined;
      route.keys.forEach((k, i) => {
        const v = decode(m[i + 1] ?? "");
        if (v === undefined) bad ??= k;
        else params[k] = v;
      });
      const head = req.method === "HEAD";
      const handler: Handler | undefined = req.method === "GET" || head ? route.module.loader : route.module.action;
      let response: Response;
      if (bad) {
        response = malformed(bad);
      } else if (!handler) {
        response = Response.json({ error: "method_not_allowed", message: `${req.method} is not allowed here.` }, { status: 405 });
      } else {
        try {
          // The Fetch Request is built only when the route reads it (a health check never does).
          let request: Request | undefined;
          const args = { params, context: opts.getLoadContext?.(req) ?? {}, get request() { return (request ??= fetchRequest(req, res)); } };
          const result = await handler(args);
          response = result instanceof Response ? result : Response.json(result);
        } catch (thrown) {
          if (!(thrown instanceof Response)) throw thrown;
          response = thrown;
        }
      }
      await sendResponse(res, head ? new Response(null, { status: response.status, headers: response.headers }) : response);
      return true;
    }
    return false;
  };
}
