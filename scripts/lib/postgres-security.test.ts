// The embedded cluster's superuser password (random, stored 0600, reused, legacy one rotated) and
// TLS to PostgreSQL from DATABASE_URL's sslmode, against a real server with a certificate
// signed by a throwaway CA and a pg_hba.conf that refuses every connection without TLS.
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, createPrisma } from "../../app/db/client.server.ts";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { freePort, migrateDeploy, passwordFile, startEmbeddedPostgres, urlFor, withDatabase, type PgServer } from "./postgres.ts";

let dir: string;
let cluster: string;
let port: number;
let server: PgServer | undefined;

const start = async (settings?: Record<string, string>) => {
  server = await startEmbeddedPostgres({ dir: cluster, port, persistent: true, settings: { fsync: "off", ...settings } });
  return server;
};
const stop = async () => {
  await server?.stop();
  server = undefined;
};

async function connects(url: string): Promise<true | string> {
  const c = new pg.Client({ ...poolConfig(url), connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-pgsec-"));
  chmodSync(dir, 0o755); // the server runs as an unprivileged OS user when we are root
  cluster = path.join(dir, "postgres");
  port = await freePort();
});

afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the embedded superuser password", () => {
  it("is random, stored 0600 beside the cluster, reused on restart; the old constant does not work", async () => {
    const s = await start();
    const file = passwordFile(cluster);
    expect(file).toBe(path.join(dir, "postgres.password"));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, "utf8").trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(s.adminUrl).toBe(urlFor(port, "postgres", password));
    expect(await connects(s.adminUrl)).toBe(true);
    expect(await connects(urlFor(port, "postgres", "tollgate"))).toContain('password authentication failed for user "postgres"');

    await stop();
    const again = await start();
    expect(readFileSync(file, "utf8").trim()).toBe(password);
    expect(await connects(again.adminUrl)).toBe(true);
  });

  it("a cluster from before (legacy password, no file) gets a random one at its next start", async () => {
    const c = new pg.Client(poolConfig(server!.adminUrl));
    await c.connect();
    await c.query(`ALTER ROLE postgres PASSWORD 'tollgate'`);
    await c.end();
    await stop();
    rmSync(passwordFile(cluster));

    const s = await start();
    const password = readFileSync(passwordFile(cluster), "utf8").trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(passwordFile(cluster)).mode & 0o777).toBe(0o600);
    expect(await connects(s.adminUrl)).toBe(true);
    expect(await connects(urlFor(port, "postgres", "tollgate"))).toContain("password authentication failed");
  });
});

describe("TLS from DATABASE_URL", () => {
  let base: string;
  let caFile: string;
  let wrongCaFile: string;

  beforeAll(async () => {
    const caAttrs = [{ name: "commonName", value: "Tollgate test CA" }];
    const caExt = [
      { name: "basicConstraints" as const, cA: true, critical: true },
      { name: "keyUsage" as const, keyCertSign: true, cRLSign: true, critical: true },
    ];
    const ca = await generate(caAttrs, { keySize: 2048, algorithm: "sha256", extensions: caExt });
    const wrongCa = await generate(caAttrs, { keySize: 2048, algorithm: "sha256", extensions: caExt });
    const leaf = await generate([{ name: "commonName", value: "localhost" }], {
      keySize: 2048,
      algorithm: "sha256",
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] },
      ],
    });
    caFile = path.join(dir, "ca.pem");
    wrongCaFile = path.join(dir, "wrong-ca.pem");
    writeFileSync(caFile, ca.cert);
    writeFileSync(wrongCaFile, wrongCa.cert);

    await stop();
    // server.crt/server.key in the data directory are PostgreSQL's defaults for ssl_cert_file and
    // ssl_key_file; the key must belong to the server's OS user and be private to it.
    const owner = statSync(cluster);
    for (const [name, pem] of [["server.crt", leaf.cert], ["server.key", leaf.private]] as const) {
      const file = path.join(cluster, name);
      writeFileSync(file, pem, { mode: 0o600 });
      chownSync(file, owner.uid, owner.gid);
    }
    // Refuse any connection that is not encrypted, before the usual entries: a connection that
    // succeeds below went over TLS, whichever client made it (pool, Prisma, the migrate CLI).
    const hba = path.join(cluster, "pg_hba.conf");
    writeFileSync(hba, "hostnossl all all all reject\n" + readFileSync(hba, "utf8"));
    const s = await start({ ssl: "on" });
    base = withDatabase(s.adminUrl, "postgres");
  });

  const sslOf = async (pool: pg.Pool) => {
    try {
      return (await pool.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).rows[0].ssl as boolean;
    } finally {
      await pool.end();
    }
  };

  it("sslmode=require (and prefer) connects over TLS (app and core pools: createPool)", async () => {
    expect(await sslOf(createPool(`${base}?sslmode=require`, 2))).toBe(true);
    expect(await sslOf(createPool(`${base}?sslmode=prefer`, 2))).toBe(true);
    // As in libpq, require with a root certificate verifies the chain.
    expect(await connects(`${base}?sslmode=require&sslrootcert=${wrongCaFile}`)).toBe("certificate signature failure");
  });

  it("sslmode=verify-full with the right CA connects over TLS; with the wrong CA it fails", async () => {
    expect(await sslOf(createPool(`${base}?sslmode=verify-full&sslrootcert=${caFile}`, 2))).toBe(true);
    // A CA with the same name but another key: the signature does not verify.
    expect(await connects(`${base}?sslmode=verify-full&sslrootcert=${wrongCaFile}`)).toBe("certificate signature failure");
    // verify-ca checks the chain too.
    expect(await connects(`${base}?sslmode=verify-ca&sslrootcert=${wrongCaFile}`)).toBe("certificate signature failure");
    expect(await connects(`${base}?sslmode=verify-ca&sslrootcert=${caFile}`)).toBe(true);
  });

  it("no sslmode or sslmode=disable stays plaintext, which this server refuses", async () => {
    expect(await connects(base)).toContain("no encryption");
    expect(await connects(`${base}?sslmode=disable`)).toContain("no encryption");
  });

  it("Prisma's adapter and the migrate CLI use the URL's TLS settings", async () => {
    const url = `${withDatabase(base, "tls_app")}?sslmode=verify-full&sslrootcert=${caFile}`;
    await migrateDeploy(url);
    const prisma = createPrisma(url);
    try {
      const rows = await prisma.$queryRawUnsafe<{ ssl: boolean }[]>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      expect(rows).toEqual([{ ssl: true }]);
      expect(await prisma.tenant.count()).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});
