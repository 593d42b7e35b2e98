// API keys: `tg_` + 43 URL-safe characters (32 random bytes, base64url), recognisable by
// secret scanners and people. Only a lookup prefix and the SHA-256 of the whole key are stored:
// keys carry 256 bits of entropy, so a fast hash is safe (a slow password hash would only tax
// every API request) and the key cannot be recovered from the database.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { statementName, type Db } from "../db/client.server.ts";
import type { ApiKey, Prisma, Tenant } from "../generated/prisma/client.ts";

export const API_KEY_PATTERN = /^tg_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;
/** last_used_at is written at most this often per key: a write per request would double the round trips. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The platform-wide key the DEMO seed installs, printed by `npm start` like the demo password.
 * Public by design: it exists only in databases seeded with demo data (SEED_DEMO=true); revoke
 * it (or never seed) on any installation that holds real data.
 */
export const DEMO_PLATFORM_KEY = "tg_demo_platform_key_local_demo_data_only_0001";
export const DEMO_PLATFORM_KEY_NAME = "Demo platform key";

type Client = Db | Prisma.TransactionClient;
export type AuthenticatedApiKey = ApiKey & { tenant: Tenant | null };

export function generateApiKey(): string {
  return `tg_${randomBytes(32).toString("base64url")}`;
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Creates a key and returns its text, which is never stored: show it once. */
export async function createApiKey(
  prisma: Client,
  input: { name: string; tenantId?: string | null; createdById?: string | null },
): Promise<{ key: string; apiKey: ApiKey }> {
  for (let attempt = 0; ; attempt++) {
    const key = generateApiKey();
    try {
      const apiKey = await prisma.apiKey.create({
        data: {
          name: input.name,
          prefix: apiKeyPrefix(key),
          hash: hashApiKey(key),
          tenantId: input.tenantId ?? null,
          createdById: input.createdById ?? null,
        },
      });
      return { key, apiKey };
    } catch (e) {
      // A 54-bit prefix collision is astronomically rare, but a retry costs nothing.
      if ((e as { code?: string }).code === "P2002" && attempt < 2) continue;
      throw e;
    }
  }
}

type Queryable = Pick<pg.Pool, "query">;

// One round trip, raw SQL: this runs for every API request the cache cannot answer, and the
// ORM's query interpreter was the largest share of the request path's CPU (docs/benchmarks.md).
const FIND_KEY = `
  SELECT k.id, k.name, k.prefix, k.hash, k.tenant_id AS "tenantId", k.created_by_id AS "createdById",
         k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt",
         t.slug AS "tenantSlug", t.name AS "tenantName", t.status AS "tenantStatus", t.created_at AS "tenantCreatedAt"
    FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id
   WHERE k.prefix = $1`;

/**
 * The active key for a presented key text, with its tenant (null = platform-wide), or null:
 * unknown, wrong secret, revoked, or bound to a suspended tenant. Reads only.
 */
export async function findApiKey(db: Queryable, key: string): Promise<AuthenticatedApiKey | null> {
  if (typeof key !== "string" || !API_KEY_PATTERN.test(key)) return null;
  const { rows } = await db.query({ ...statementName("tollgate-find-api-key"), text: FIND_KEY, values: [apiKeyPrefix(key)] });
  const r = rows[0];
  if (!r || r.revokedAt) return null;
  const expected = Buffer.from(r.hash, "hex");
  const actual = createHash("sha256").update(key, "utf8").digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  // A suspended tenant's keys stop working with the tenant; a platform key may still act for it.
  if (r.tenantId && r.tenantStatus !== "active") return null;
  const { tenantSlug, tenantName, tenantStatus, tenantCreatedAt, ...apiKey } = r;
  const tenant = r.tenantId ? { id: r.tenantId, slug: tenantSlug, name: tenantName, status: tenantStatus, createdAt: tenantCreatedAt } : null;
  return { ...apiKey, tenant } as AuthenticatedApiKey;
}

/** Whether last_used_at is due for a write (at most once a minute per key). */
export function lastUseDue(key: Pick<ApiKey, "lastUsedAt">, now = Date.now()): boolean {
  return !key.lastUsedAt || now - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}

/** Records a use. Conditional, so concurrent requests (and processes) write once a minute at most. */
export async function touchApiKey(db: Queryable, id: string): Promise<void> {
  await db.query({
    ...statementName("tollgate-touch-api-key"),
    text: `UPDATE api_keys SET last_used_at = now()
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
    values: [id, LAST_USED_RESOLUTION_MS / 1000],
  });
}

/** findApiKey, then the last_used_at write when due (awaited; the API does it in the background). */
export async function authenticateApiKey(db: Queryable, key: string): Promise<AuthenticatedApiKey | null> {
  const found = await findApiKey(db, key);
  if (found && lastUseDue(found)) {
    await touchApiKey(db, found.id);
    found.lastUsedAt = new Date();
  }
  return found;
}

/** Revokes a key; idempotent (the first revocation time is kept). Returns false if unknown. */
export async function revokeApiKey(prisma: Client, id: string): Promise<boolean> {
  const updated = await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  if (updated.count > 0) return true;
  return (await prisma.apiKey.count({ where: { id } })) > 0;
}
