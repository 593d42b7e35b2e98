// The lean router against the real build: it answers exactly the machine paths (and nothing of
// the panel), and for each of them the same status, type and body as Remix's own handler —
// the contract cannot drift between the two ways in. No database is needed: every request
// below is answered before a key is looked up.
import type { ServerBuild } from "@remix-run/node";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leanRouter } from "./lean-routes.ts";
import { ROOT } from "./postgres.ts";
import { remixHandler } from "./remix-handler.ts";

const NOT_LEAN = 599;
let build: ServerBuild;
const servers: http.Server[] = [];
let leanUrl: string;
let remixUrl: string;

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  build = (await import(pathToFileURL(path.join(ROOT, "build/index.js")).href)) as ServerBuild;
  const lean = leanRouter(build);
  leanUrl = await listen((req, res) => {
    void lean(req, res).then((handled) => {
      if (!handled) res.writeHead(NOT_LEAN).end();
    });
  });
  const remix = remixHandler({ build, mode: "production" });
  remixUrl = await listen((req, res) => void remix(req, res, () => res.writeHead(500).end()));
});
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function answer(base: string, method: string, p: string, body?: string) {
  const r = await fetch(base + p, { method, body, headers: body ? { "Content-Type": "application/json" } : {} });
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
}

describe("leanRouter", () => {
  it("answers /api/v1, /healthz and /readyz and leaves every other path to Remix", async () => {
    for (const p of ["/healthz", "/healthz/", "/HEALTHZ", "/api/v1/openapi.json", "/api/v1/no-such-thing", "/api/v1/reservations/x/settle"]) {
      expect([p, (await answer(leanUrl, "GET", p)).status === NOT_LEAN]).toEqual([p, false]);
    }
    for (const p of ["/", "/login", "/admin", "/api/v1", "/api/demo/chat", "/healthzz", "/favicon.ico", "/build/x.js"]) {
      expect([p, (await answer(leanUrl, "GET", p)).status]).toEqual([p, NOT_LEAN]);
    }
  });

  it("gives the same status, content type and body as Remix's handler for each route kind", async () => {
    const cases: [string, string, string?][] = [
      ["GET", "/healthz"],
      ["GET", "/HEALTHZ/"],
      ["GET", "/api/v1/openapi.json"],
      ["GET", "/api/v1/no-such-thing"],
      ["POST", "/api/v1/no/such/thing", "{}"],
      ["POST", "/api/v1/openapi.json", "{}"],
      ["GET", "/api/v1/quota-status?tenantId=acme"],
      ["POST", "/api/v1/reservations", "{}"],
      ["DELETE", "/api/v1/quotas/00000000-0000-0000-0000-000000000000"],
      ["GET", "/api/v1/tenants/acme/spend?groupBy=day"],
    ];
    for (const [method, p, body] of cases) {
      const lean = await answer(leanUrl, method, p, body);
      expect(lean.status, `${method} ${p}`).not.toBe(NOT_LEAN);
      expect([method, p, lean]).toEqual([method, p, await answer(remixUrl, method, p, body)]);
    }
  });

  it("refuses a path parameter whose escapes are not UTF-8 with 400 in the API's error shape", async () => {
    for (const p of ["/api/v1/reservations/%E0%A4%A/settle", "/api/v1/tenants/%ED%A0%80/spend"]) {
      const r = await answer(leanUrl, p.includes("settle") ? "POST" : "GET", p, p.includes("settle") ? "{}" : undefined);
      expect([p, r.status, JSON.parse(r.body)]).toEqual([
        p,
        400,
        { error: "invalid_request", message: "The request is not valid.", issues: [{ path: p.includes("settle") ? "id" : "tenantId", message: "not valid UTF-8 percent-encoding" }] },
      ]);
    }
  });

  it("answers HEAD with the loader's status and headers and no body", async () => {
    const r = await fetch(`${leanUrl}/healthz`, { method: "HEAD" });
    expect([r.status, r.headers.get("content-type"), await r.text()]).toEqual([200, "application/json", ""]);
  });

  it("refuses to start when a page (a route with a component) lives under a lean prefix", () => {
    const page = { id: "routes/api+/v1+/page", path: "api/v1/page", parentId: "root", module: { default: () => null, loader: async () => null } };
    const broken = { ...build, routes: { ...build.routes, [page.id]: page } } as unknown as ServerBuild;
    expect(() => leanRouter(broken)).toThrow("routes/api+/v1+/page (/api/v1/page) renders a page");
  });
});
