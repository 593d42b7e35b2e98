// Calls the control panel's loaders from the real server build, the way Remix calls them: a
// Request with a signed-in staff member's session cookie, route params and the load context.
import { randomBytes } from "node:crypto";
import type { ServerBuild } from "@remix-run/node";
import type pg from "pg";
import { hashToken, SESSION_COOKIE } from "../../../app/services/session.server.ts";

export interface LoaderCall {
  name: string;
  routeId: string;
  path: string;
  params?: Record<string, string>;
  /** Throws when the answer is not a real page of data (so an error page is never timed). */
  check: (data: any) => void;
}

/** A staff user with a live session; returns the Cookie header that carries it. */
export async function staffSession(c: pg.PoolClient): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const { rows } = await c.query(
    `INSERT INTO users (email, name, role, password_hash) VALUES ('bench@tollgate.local', 'Bench', 'admin', 'x') RETURNING id`,
  );
  await c.query(`INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 day')`, [
    hashToken(token),
    rows[0].id,
  ]);
  return `${SESSION_COOKIE}=${token}`;
}

/** The loader's data (single fetch: `data()` results carry it in `.data`); a Response is an error. */
export async function callLoader(build: ServerBuild, cookie: string, call: Pick<LoaderCall, "routeId" | "path" | "params">) {
  const route = build.routes[call.routeId];
  if (!route?.module.loader) throw new Error(`no loader for route ${call.routeId}`);
  const request = new Request(`http://127.0.0.1${call.path}`, { headers: { Cookie: cookie } });
  let result: any;
  try {
    result = await route.module.loader({ request, params: call.params ?? {}, context: { clientIp: "127.0.0.1" } });
  } catch (thrown) {
    if (thrown instanceof Response) throw new Error(`${call.path}: loader threw HTTP ${thrown.status}`);
    throw thrown;
  }
  if (result instanceof Response) return result;
  return result?.type === "DataWithResponseInit" ? result.data : result;
}

export interface Timing {
  name: string;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function timeLoader(
  build: ServerBuild,
  cookie: string,
  call: LoaderCall,
  opts: { iterations: number; warmup: number },
): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) call.check(await callLoader(build, cookie, call));
  const ms: number[] = [];
  for (let i = 0; i < opts.iterations; i++) {
    const t0 = performance.now();
    const data = await callLoader(build, cookie, call);
    ms.push(performance.now() - t0);
    call.check(data);
  }
  ms.sort((a, b) => a - b);
  return { name: call.name, p50Ms: round1(percentile(ms, 50)), p95Ms: round1(percentile(ms, 95)), maxMs: round1(ms[ms.length - 1]) };
}

/** Streams a CSV export to the end; rows per second (header excluded). */
export async function csvThroughput(build: ServerBuild, cookie: string, path: string): Promise<{ rows: number; rowsPerSec: number }> {
  const t0 = performance.now();
  const response = await callLoader(build, cookie, { routeId: "routes/records+/export[.]csv", path });
  if (!(response instanceof Response) || response.status !== 200 || !response.body) throw new Error(`CSV export answered ${response?.status}`);
  let newlines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = newlines - 1;
  return { rows, rowsPerSec: Math.round(rows / seconds) };
}
