// The demo seed's credentials are published (README, `npm start`'s banner): the password of the
// five demo accounts and a platform-wide API key. Harmless on 127.0.0.1; on an address other
// machines can reach they are an open door. serve() checks before it listens.
import { verify } from "@node-rs/argon2";
import pg from "pg";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { apiKeyPrefix, DEMO_PLATFORM_KEY, hashApiKey } from "../../app/services/api-keys.server.ts";
import { DEMO_PASSWORD, DEMO_STAFF, DEMO_TENANT_ADMINS } from "../../prisma/seed/catalog.ts";

export const DEMO_EMAILS: readonly string[] = [...DEMO_STAFF, ...DEMO_TENANT_ADMINS].map((u) => u.email);

export interface DemoCredentials {
  /** Enabled demo accounts whose password is still the published one. */
  accounts: string[];
  /** The published demo platform key exists and is not revoked. */
  platformKey: boolean;
}

export async function demoCredentialsInUse(databaseUrl: string): Promise<DemoCredentials> {
  const c = new pg.Client(poolConfig(databaseUrl));
  await c.connect();
  try {
    const users = await c.query<{ email: string; password_hash: string }>(
      `SELECT email, password_hash FROM users WHERE lower(email) = ANY($1::text[]) AND disabled_at IS NULL ORDER BY email`,
      [DEMO_EMAILS],
    );
    const key = await c.query(`SELECT 1 FROM api_keys WHERE prefix = $1 AND hash = $2 AND revoked_at IS NULL`, [
      apiKeyPrefix(DEMO_PLATFORM_KEY),
      hashApiKey(DEMO_PLATFORM_KEY),
    ]);
    const accounts: string[] = [];
    for (const u of users.rows) {
      if (await verify(u.password_hash, DEMO_PASSWORD).catch(() => false)) accounts.push(u.email);
    }
    return { accounts, platformKey: (key.rowCount ?? 0) > 0 };
  } finally {
    await c.end();
  }
}

/** Thrown by serve() instead of listening; the message says what to do. */
export class DemoCredentialsExposedError extends Error {
  constructor(host: string, found: DemoCredentials) {
    const what = [
      found.accounts.length === 1 ? `the demo account ${found.accounts[0]} still has the published password "${DEMO_PASSWORD}"` : "",
      found.accounts.length > 1 ? `the demo accounts ${found.accounts.join(", ")} still have the published password "${DEMO_PASSWORD}"` : "",
      found.platformKey ? `the published demo platform API key (${apiKeyPrefix(DEMO_PLATFORM_KEY)}…) is active` : "",
    ].filter(Boolean);
    super(
      `Refusing to listen on ${host}: ${what.join(" and ")}, and other machines could reach this address.\n` +
        "Fix one of:\n" +
        "  - sign in at 127.0.0.1 as an admin and disable (Users page) every demo account, and revoke the\n" +
        "    \"Demo platform key\" (API keys page) — or use a database without demo data (SEED_DEMO=false);\n" +
        "  - or keep Tollgate on this machine only: HOST=127.0.0.1.",
    );
    this.name = "DemoCredentialsExposedError";
  }
}

export async function assertNoDemoCredentials(host: string, databaseUrl: string) {
  const found = await demoCredentialsInUse(databaseUrl);
  if (found.accounts.length || found.platformKey) throw new DemoCredentialsExposedError(host, found);
}
