// Driver-adapter factory shared by prisma.config.ts (CLI/migrate) and the app runtime.
// Prisma 6.19 runs offline here only with the JS engine + @prisma/adapter-pg; each
// workaround below names what breaks without it (verified in shared/notes/toolchain.md).
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { randomUUID } from "node:crypto";
import { parse } from "pg-connection-string";

// (a) adapter-pg cannot map OIDs 18 ("char") and 19 (name), which the JS schema engine
// reads from pg_catalog during migrate ("Column type 'name' could not be deserialized").
// Report them as text (25).
const fixFields = (res: any) => {
  for (const r of Array.isArray(res) ? res : [res]) {
    for (const f of r?.fields ?? []) if (f.dataTypeID === 18 || f.dataTypeID === 19) f.dataTypeID = 25;
  }
  return res;
};

export class TextCompatClient extends pg.Client {
  // pg-pool calls query(config, cb); a checked-out PoolClient (transactions) uses the promise form.
  query(...args: any[]): any {
    const i = args.findIndex((a) => typeof a === "function");
    if (i >= 0) {
      const cb = args[i];
      args[i] = (err: unknown, res: unknown) => cb(err, err ? res : fixFields(res));
      return (super.query as any)(...args);
    }
    if (args[0] && typeof args[0] === "object" && typeof args[0].callback === "function") {
      const cb = args[0].callback;
      args[0].callback = (err: unknown, res: unknown) => cb(err, err ? res : fixFields(res));
      return (super.query as any)(...args);
    }
    const r = (super.query as any)(...args);
    return r && typeof r.then === "function" ? r.then(fixFields) : r;
  }
}

/** Discrete pool parameters from a URL. (b) A connectionString would override `database`
 *  in connectToShadowDb(), so shadow-DB operations would hit the main database.
 *  The URL's TLS settings travel along (`ssl`): building discrete parameters once dropped them,
 *  so `?sslmode=require` to a managed PostgreSQL silently connected in plaintext. */
export function poolConfig(url: string): pg.PoolConfig {
  const c = parseWithTls(url);
  const config: pg.PoolConfig = {
    host: c.host ?? "localhost",
    port: c.port ? Number(c.port) : 5432,
    user: c.user,
    password: c.password,
    database: c.database ?? undefined,
  };
  if (c.ssl !== undefined && c.ssl !== null) config.ssl = c.ssl as pg.PoolConfig["ssl"];
  return config;
}

/**
 * libpq's meaning of `sslmode` (pg-connection-string's "libpq compat" mode), which is what
 * people who write these URLs expect; the library's own default reads `require` as verify-full.
 * - absent, disable, allow: plaintext (`allow` tries plaintext first in libpq; it is accepted).
 *   libpq's default `prefer` would try TLS first; node-postgres cannot fall back, so an
 *   absent sslmode keeps the plaintext the embedded database and earlier releases used.
 * - prefer, require: TLS without verifying the certificate (libpq: require + sslrootcert
 *   verifies the chain). node-postgres cannot fall back to plaintext, so `prefer` fails
 *   against a server without TLS ("The server does not support SSL connections").
 * - verify-ca: TLS, chain checked against sslrootcert, any host name.
 * - verify-full: TLS, chain (sslrootcert, or the system CAs) and host name checked.
 * `sslrootcert=system` (libpq 16) means the system CAs. `ssl=true|1|0` (node-postgres style)
 * is honoured as node-postgres reads it (true: verify-full).
 */
function parseWithTls(url: string) {
  if (!url.includes("?")) return parse(url);
  const u = new URL(url);
  const mode = u.searchParams.get("sslmode");
  if (mode === "allow") u.searchParams.set("sslmode", "disable");
  if (u.searchParams.get("sslrootcert") === "system") u.searchParams.delete("sslrootcert");
  return parse(u.toString(), { useLibpqCompat: mode !== null && !u.searchParams.has("uselibpqcompat") });
}

export function pgAdapter(url: string | undefined, extra: pg.PoolConfig = {}) {
  if (!url) throw new Error("DATABASE_URL is not set");
  const config: pg.PoolConfig = {
    ...poolConfig(url),
    Client: TextCompatClient,
    // (d) let the CLI exit as soon as work is done instead of waiting idleTimeoutMillis (10 s)
    allowExitOnIdle: true,
    ...extra,
  };
  return new ShadowSafePrismaPg(config);
}

// (c) The built-in connectToShadowDb() issues DROP DATABASE before ending its pool
// ("database ... is being accessed by other users") and leaves the shadow DB behind.
// Create it with a plain pg.Client and drop it WITH (FORCE) after the adapter is disposed.
class ShadowSafePrismaPg extends PrismaPg {
  constructor(private readonly cfg: pg.PoolConfig) {
    super(cfg);
  }
  override async connect() {
    return withWholeScript(await super.connect());
  }
  override async connectToShadowDb() {
    const database = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    const admin = async (sql: string) => {
      const { Client: _ignored, ...plain } = this.cfg;
      const c = new pg.Client(plain);
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    await admin(`CREATE DATABASE "${database}"`);
    const adapter = withWholeScript(await new PrismaPg({ ...this.cfg, database }).connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    };
    return adapter;
  }
}

// (e) PrismaPgAdapter.executeScript() splits migration.sql on every ";" and runs the pieces
// one by one, which breaks dollar-quoted bodies (CREATE FUNCTION ... $$ ... ; ... $$):
// "unterminated dollar-quoted string". Send the script as ONE simple-protocol query instead
// (multi-statement, runs in one implicit transaction, like the classic schema engine).
type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;
function withWholeScript<T extends Adapter>(adapter: T): T {
  const a = adapter as any;
  a.executeScript = async function (script: string) {
    try {
      await this.client.query(script);
    } catch (error) {
      this.onError(error);
    }
  };
  return adapter;
}
