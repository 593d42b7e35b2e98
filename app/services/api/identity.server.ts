// Who is calling and for which tenant, on every API request: the key (by the SHA-256 of the
// presented text) and the tenant (by id or slug), from the lookup cache (lookup-cache.server.ts,
// ADR 0010) or from the database with raw SQL on the app's pool. Invalidations arrive through
// the process's LISTEN connection (cache-listener.server.ts).
import { dbPool, statementName } from "~/db/client.server.ts";
import { isDatabaseUnavailable } from "~/db/availability.ts";
import { isUuid } from "~/core/index.ts";
import type { Tenant } from "~/generated/prisma/client.ts";
import { findApiKey, hashApiKey, lastUseDue, onApiKeyRevoked, touchApiKey, type AuthenticatedApiKey } from "~/services/api-keys.server.ts";
import { getConfig } from "~/services/config.server.ts";
import { cacheFeed, subscribeToCacheFeed, type Invalidation } from "./cache-listener.server.ts";
import { lookupCache } from "./lookup-cache.server.ts";

const options = {
  feed: cacheFeed,
  ttlMs: () => getConfig().API_AUTH_CACHE_SECONDS * 1000,
  failOpen: () => getConfig().QUOTA_FAIL_MODE === "open",
};
const keys = lookupCache<AuthenticatedApiKey>(options);
const tenants = lookupCache<Tenant>(options);

const TENANT_COLUMNS = `id, slug, name, status, created_at AS "createdAt"`;

/** The active key for a presented key text, or null. Records its use at most once a minute. */
export async function authenticate(text: string): Promise<AuthenticatedApiKey | null> {
  const key = await keys(hashApiKey(text), () => findApiKey(dbPool(), text));
  if (key && lastUseDue(key)) {
    // In the background: the request does not wait for it, and the (rare) failure costs only a
    // stale "last used" in the panel. Set first, so this process tries once a minute at most.
    key.lastUsedAt = new Date();
    touchApiKey(dbPool(), key.id).catch((e) => {
      if (!isDatabaseUnavailable(e)) console.error("[tollgate] could not record an API key's last use:", (e as Error).message);
    });
  }
  return key;
}

/** A tenant by id or slug, or null. */
export function findTenant(idOrSlug: string): Promise<Tenant | null> {
  return tenants(idOrSlug, async () => {
    const by = isUuid(idOrSlug) ? "id" : "slug";
    const { rows } = await dbPool().query({
      ...statementName(`tollgate-find-tenant-by-${by}`),
      text: `SELECT ${TENANT_COLUMNS} FROM tenants WHERE ${by} = $1`,
      values: [idOrSlug],
    });
    return (rows[0] as Tenant | undefined) ?? null;
  });
}

// A key revoked by this process leaves the cache before the revocation's notification arrives.
onApiKeyRevoked((id) => keys.drop((k) => k.id === id));

function invalidate({ kind, id }: Invalidation) {
  const all = id === "*";
  if (kind === "key") return keys.drop((k) => all || k.id === id);
  tenants.drop((t) => all || t.id === id);
  // A key carries its tenant (and a suspended tenant's keys stop working).
  keys.drop((k) => k.tenantId !== null && (all || k.tenantId === id));
}

/**
 * After (re)connecting: entries loaded before may have missed a notification. They are not
 * served as fresh anyway (wrong epoch), but they are fail-open fallbacks, so each is checked
 * against the database once and dropped unless it still matches.
 */
async function recheckUnconfirmed() {
  const pool = dbPool();
  const staleKeys = keys.unconfirmed();
  if (staleKeys.length) {
    const { rows } = await pool.query(
      `SELECT k.id, k.hash, k.tenant_id AS "tenantId" FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id
        WHERE k.id = ANY($1::uuid[]) AND k.revoked_at IS NULL AND (k.tenant_id IS NULL OR t.status = 'active')`,
      [staleKeys.map((k) => k.id)],
    );
    const valid = new Set(rows.map((r) => `${r.id} ${r.hash} ${r.tenantId}`));
    const checked = new Set(staleKeys);
    keys.drop((k) => checked.has(k) && !valid.has(`${k.id} ${k.hash} ${k.tenantId}`));
  }
  const staleTenants = tenants.unconfirmed();
  if (staleTenants.length) {
    const { rows } = await pool.query(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = ANY($1::uuid[])`, [staleTenants.map((t) => t.id)]);
    const valid = new Set(rows.map((r) => `${r.id} ${r.slug} ${r.name} ${r.status}`));
    const checked = new Set(staleTenants);
    tenants.drop((t) => checked.has(t) && !valid.has(`${t.id} ${t.slug} ${t.name} ${t.status}`));
  }
}

subscribeToCacheFeed({
  invalidate,
  connected() {
    recheckUnconfirmed().catch((e) => {
      console.error("[tollgate] could not recheck cached API keys and tenants:", (e as Error).message);
    });
  },
});
