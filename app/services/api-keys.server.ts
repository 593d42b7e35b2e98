// API keys: `tg_` + 43 URL-safe characters (32 random bytes, base64url), recognisable by
// secret scanners and people. Only a lookup prefix and the SHA-256 of the whole key are stored:
// keys carry 256 bits of entropy, so a fast hash is safe (a slow password hash would only tax
// every API request) and the key cannot be recovered from the database.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/client.server.ts";
import type { ApiKey, Prisma, Tenant } from "../generated/prisma/client.ts";

export const API_KEY_PATTERN = /^tg_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 12;
/** last_used_at is written at most this often per key, keeping the authentication path read-only. */
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

/** The active key for a presented key text, with its tenant (null = platform-wide), or null. */
export async function authenticateApiKey(prisma: Client, key: string): Promise<AuthenticatedApiKey | null> {
  if (typeof key !== "string" || !API_KEY_PATTERN.test(key)) return null;
  const found = await prisma.apiKey.findUnique({ where: { prefix: apiKeyPrefix(key) }, include: { tenant: true } });
  if (!found || found.revokedAt) return null;
  const expected = Buffer.from(found.hash, "hex");
  const actual = createHash("sha256").update(key, "utf8").digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  const now = new Date();
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so concurrent requests of the same key write once per minute at most.
    await prisma.apiKey.updateMany({
      where: {
        id: found.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }],
      },
      data: { lastUsedAt: now },
    });
    found.lastUsedAt = now;
  }
  return found;
}

/** Revokes a key; idempotent (the first revocation time is kept). Returns false if unknown. */
export async function revokeApiKey(prisma: Client, id: string): Promise<boolean> {
  const updated = await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  if (updated.count > 0) return true;
  return (await prisma.apiKey.count({ where: { id } })) > 0;
}
