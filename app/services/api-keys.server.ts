// API keys: `tg_` + 43 URL-safe characters (32 random bytes, base64url), recognisable by
// secret scanners and people. Only a lookup prefix and the SHA-256 of the whole key are stored:
// keys carry 256 bits of entropy, so a fast hash is safe (a slow password hash would only tax
// every API request) and the key cannot be recovered from the database. Creating and revoking
// write their audit entries in the same transaction (audit.server.ts), from the panel or the CLI.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { TollgateError } from "~/core/index.ts";
import { statementName } from "../db/client.server.ts";
import type { ApiKey, Tenant } from "../generated/prisma/client.ts";
import { auditedChange, type Actor } from "./audit.server.ts";

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

const KEY_AUDIT_COLUMNS = `id, name, prefix, tenant_id AS "tenantId", created_by_id AS "createdById", revoked_at AS "revokedAt"`;

/** A key as its audit entries and its creator see it: never the hash, never the text. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  tenantId: string | null;
  createdById: string | null;
  revokedAt: Date | null;
}

/**
 * Creates a key and its audit entry in one transaction, so a key never exists without its
 * record. Returns the key's text, which is never stored: show it once. The prefix identifies the
 * key in the log; the hash and the text stay out of it.
 */
export async function createApiKey(
  actor: Actor,
  input: { name: string; tenantId?: string | null },
  opts: { pool?: pg.Pool } = {},
): Promise<{ key: string; apiKey: ApiKeyRecord }> {
  for (let attempt = 0; ; attempt++) {
    const key = generateApiKey();
    try {
      const apiKey = await auditedChange(
        actor,
        async (tx) => {
          const { rows } = await tx.query(
            `INSERT INTO api_keys (name, prefix, hash, tenant_id, created_by_id) VALUES ($1, $2, $3, $4, $5)
             RETURNING ${KEY_AUDIT_COLUMNS}`,
            [input.name, apiKeyPrefix(key), hashApiKey(key), input.tenantId ?? null, actor.id],
          );
          const row = rows[0] as ApiKeyRecord;
          return {
            result: row,
            audit: [{ action: "api_key.create", entityType: "api_key", entityId: row.id, tenantId: row.tenantId, before: null, after: row }],
          };
        },
        { conflict: "Could not create the key; try again.", pool: opts.pool },
      );
      return { key, apiKey };
    } catch (e) {
      // The prefix is the one unique column a new key can collide on: 54 bits, astronomically
      // rare, but a retry with a new key costs nothing.
      if (e instanceof TollgateError && e.code === "conflict" && attempt < 2) continue;
      // 23503: the chosen tenant was deleted between loading the form and submitting it.
      if ((e as { code?: string }).code === "23503") throw new TollgateError("invalid_request", "That tenant no longer exists.");
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

const revocationListeners = new Set<(id: string) => void>();

/**
 * Called after this process revokes a key. The API's key cache (api/identity.server.ts) drops
 * the key here, before the revocation's notification arrives: without it a key revoked in this
 * process could still be served from the cache in the next outage (fail-open).
 */
export function onApiKeyRevoked(listener: (id: string) => void): void {
  revocationListeners.add(listener);
}

/**
 * Revokes a key and writes its audit entry in one transaction. Revoking an already revoked key
 * changes nothing (the first revocation time is kept) and writes no audit row; an unknown id is
 * not_found.
 */
export async function revokeApiKey(actor: Actor, id: string, opts: { pool?: pg.Pool } = {}): Promise<{ revoked: boolean }> {
  const revoked = await auditedChange(
    actor,
    async (tx) => {
      const { rows: found } = await tx.query(`SELECT ${KEY_AUDIT_COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      const before = found[0];
      if (!before) throw new TollgateError("not_found", "No such API key.");
      if (before.revokedAt) return { result: { revoked: false }, audit: [] };
      const { rows } = await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${KEY_AUDIT_COLUMNS}`, [id]);
      return {
        result: { revoked: true },
        audit: [{ action: "api_key.revoke", entityType: "api_key", entityId: id, tenantId: before.tenantId, before, after: rows[0] }],
      };
    },
    { pool: opts.pool },
  );
  for (const listener of revocationListeners) listener(id);
  return revoked;
}
