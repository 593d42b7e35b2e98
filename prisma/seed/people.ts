// Tenants, control-panel users, user-scope quotas and the demo API key. Everything is keyed by
// a natural key (slug, email, scope tuple, key prefix) with ON CONFLICT DO NOTHING, so running
// into rows that already exist (e.g. a tenant created in the UI before seeding) is harmless.
import { hash } from "@node-rs/argon2";
import { apiKeyPrefix, DEMO_PLATFORM_KEY, DEMO_PLATFORM_KEY_NAME, hashApiKey } from "../../app/services/api-keys.server.ts";
import { bulkInsert, type Sql } from "./bulk.ts";
import { DEMO_PASSWORD, DEMO_STAFF, DEMO_TENANT_ADMINS, DEMO_TENANTS, DEMO_USER_QUOTAS } from "./catalog.ts";
import { DAY_MS } from "./history.ts";

export interface DemoUser {
  email: string;
  name: string;
  role: string;
  tenant: string | null;
}

export const DEMO_USERS: DemoUser[] = [
  ...DEMO_STAFF.map((u) => ({ ...u, tenant: null })),
  ...DEMO_TENANT_ADMINS.map((u) => ({ ...u, role: "tenant_admin" })),
];

/**
 * argon2 hashes (default options) for the demo users not yet in the database. Hashing is the
 * slow part (~tens of ms each), so it happens before the seed transaction opens.
 */
export async function hashMissingUserPasswords(sql: Sql): Promise<Map<string, string>> {
  const existing = await sql.$queryRawUnsafe<{ email: string }[]>(
    `SELECT email FROM users WHERE email = ANY(string_to_array($1, ','))`,
    DEMO_USERS.map((u) => u.email).join(","),
  );
  const have = new Set(existing.map((r) => r.email));
  const missing = DEMO_USERS.filter((u) => !have.has(u.email));
  const hashes = await Promise.all(missing.map(() => hash(DEMO_PASSWORD)));
  return new Map(missing.map((u, i) => [u.email, hashes[i]]));
}

/** Inserts the demo tenants (the trigger gives each its default quotas); returns slug → id. */
export async function seedTenants(sql: Sql, now: Date): Promise<{ inserted: number; ids: Map<string, string> }> {
  const inserted = await bulkInsert(
    sql,
    "tenants",
    [["slug", "text"], ["name", "text"], ["status", '"TenantStatus"'], ["created_at", "timestamptz"]],
    DEMO_TENANTS.map((t) => [t.slug, t.name, t.status, new Date(now.getTime() - t.createdDaysAgo * DAY_MS).toISOString()]),
    "ON CONFLICT (slug) DO NOTHING",
  );
  const rows = await sql.$queryRawUnsafe<{ id: string; slug: string }[]>(
    `SELECT id::text, slug FROM tenants WHERE slug = ANY(string_to_array($1, ','))`,
    DEMO_TENANTS.map((t) => t.slug).join(","),
  );
  return { inserted, ids: new Map(rows.map((r) => [r.slug, r.id])) };
}

export async function seedUsers(sql: Sql, tenantIds: Map<string, string>, hashes: Map<string, string>): Promise<number> {
  const rows = DEMO_USERS.filter((u) => hashes.has(u.email)).map((u) => [
    u.email,
    u.name,
    u.role,
    u.tenant ? tenantIds.get(u.tenant) : null,
    hashes.get(u.email),
  ]);
  return bulkInsert(
    sql,
    "users",
    [["email", "text"], ["name", "text"], ["role", '"UserRole"'], ["tenant_id", "uuid"], ["password_hash", "text"]],
    rows,
    "ON CONFLICT (email) DO NOTHING",
  );
}

export async function seedUserQuotas(sql: Sql, tenantIds: Map<string, string>): Promise<number> {
  return bulkInsert(
    sql,
    "quotas",
    [["scope", '"QuotaScope"'], ["scope_id", "text"], ["tenant_id", "uuid"], ["resource", '"ResourceType"'],
     ["period", '"QuotaPeriod"'], ["limit_usd", "numeric"]],
    DEMO_USER_QUOTAS.map((q) => ["user", q.userId, tenantIds.get(q.tenant), q.resource, q.period, q.limitUsd]),
    "ON CONFLICT (scope, tenant_id, scope_id, resource, period) DO NOTHING",
  );
}

/** The documented demo key, platform-wide. A revoked demo key stays revoked (same prefix). */
export async function ensureDemoApiKey(sql: Sql): Promise<number> {
  return sql.$executeRawUnsafe(
    `INSERT INTO api_keys (name, prefix, hash) VALUES ($1, $2, $3) ON CONFLICT (prefix) DO NOTHING`,
    DEMO_PLATFORM_KEY_NAME,
    apiKeyPrefix(DEMO_PLATFORM_KEY),
    hashApiKey(DEMO_PLATFORM_KEY),
  );
}
