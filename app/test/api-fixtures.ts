// Fixtures for HTTP API tests against real app instances: keys, a small fetch client, and a
// snapshot of everything the metering endpoints could write (to prove that a rejected request
// wrote nothing). Tenants, quotas and prices: app/core/test/fixtures.ts.
import type pg from "pg";
import { expect } from "vitest";
import type { Db } from "../db/client.server.ts";
import { apiKeyPrefix, generateApiKey, hashApiKey } from "../services/api-keys.server.ts";

/**
 * A key row written as test data, like the other fixtures' rows (and the demo seed's key): no
 * audit entry, so the tests' audit and ledger snapshots hold only what the request under test
 * wrote. Creating a key as the panel and the CLI do is createApiKey (api-keys.test.ts).
 */
export async function apiKey(prisma: Db, name: string, tenantId: string | null = null): Promise<string> {
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { name, prefix: apiKeyPrefix(key), hash: hashApiKey(key), tenantId } });
  return key;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/** A fetch client bound to an instance and (optionally) a key. Bodies are sent as JSON. */
export function apiClient(baseUrl: string, key?: string) {
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const h: Record<string, string> = { ...(key ? { Authorization: `Bearer ${key}` } : {}) };
    if (body !== undefined) h["Content-Type"] = "application/json";
    const r = await fetch(baseUrl + path, {
      method,
      headers: { ...h, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (SSE, HTML): callers look at text
    }
    return { status: r.status, headers: r.headers, text, body: parsed };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => call("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, body, headers),
    patch: (path: string, body?: unknown) => call("PATCH", path, body),
    delete: (path: string) => call("DELETE", path),
    call,
  };
}

/** Everything a metering request could write; equal snapshots = nothing was written. */
export async function ledgerSnapshot(pool: pg.Pool) {
  const { rows } = await pool.query(`
    SELECT (SELECT count(*) FROM reservations)::int AS reservations,
           (SELECT count(*) FILTER (WHERE status = 'held') FROM reservations)::int AS held,
           (SELECT count(*) FROM cost_records)::int AS "costRecords",
           (SELECT count(*) FROM spend_rollups)::int AS rollups,
           (SELECT count(*) FROM quota_usage)::int AS "usageRows",
           (SELECT coalesce(sum(spent_usd), 0)::text FROM quota_usage) AS spent,
           (SELECT coalesce(sum(reserved_usd), 0)::text FROM quota_usage) AS reserved,
           (SELECT count(*) FROM audit_log)::int AS audit`);
  return rows[0];
}

/** No stack frames, SQL or ORM internals in a response body. */
export function expectNoLeak(text: string) {
  // "at fn (/app/x.ts:12:3)", "at file:///app/x.js:1:2", "at node:internal/…:1:2" (an ISO time in a message is fine)
  expect(text).not.toMatch(/\bat (?:[\w$.<>[\] ]+ \()?(?:file:\/\/|\/|node:)[^\s)]*:\d+:\d+/);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain("SELECT");
  expect(text).not.toContain("INSERT");
  expect(text.toLowerCase()).not.toContain("prisma");
}

export const daysAgo = (n: number, from = new Date()) => new Date(from.getTime() - n * 86_400_000);
