// The benchmark's database: a fresh, migrated database on a throwaway embedded server (the
// default) or on the server of DATABASE_URL. Server settings stay at PostgreSQL's defaults —
// fsync and synchronous_commit on — because commit flushes are part of what is measured.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import { freePort, migrateDeploy, startEmbeddedPostgres, withDatabase } from "../lib/postgres.ts";

export interface BenchDatabase {
  url: string;
  /** One line for the report: version and the settings that decide commit cost. */
  describe(): Promise<string>;
  close(): Promise<void>;
}

async function adminQuery(adminUrl: string, sql: string) {
  const c = new pg.Client(poolConfig(adminUrl));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function openBenchDatabase(opts: {
  databaseUrl?: string;
  keep: boolean;
  progress: (m: string) => void;
  /** Server settings of the embedded server (read benchmarks turn durability off to load faster). */
  settings?: Record<string, string>;
}): Promise<BenchDatabase> {
  const name = `tollgate_bench_${randomBytes(5).toString("hex")}`;
  let adminUrl: string;
  let stopServer = async () => {};
  if (opts.databaseUrl) {
    adminUrl = withDatabase(opts.databaseUrl, "postgres");
    opts.progress(`using the server of DATABASE_URL, database ${name}`);
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-bench-pg-"));
    chmodSync(dir, 0o755); // as root, the server runs as an unprivileged OS user
    opts.progress(`starting embedded PostgreSQL in ${dir}`);
    const server = await startEmbeddedPostgres({ dir: path.join(dir, "data"), port: await freePort(), persistent: opts.keep, settings: opts.settings });
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    };
  }
  const url = withDatabase(adminUrl, name);
  try {
    opts.progress("applying migrations");
    await migrateDeploy(url);
  } catch (e) {
    await stopServer();
    throw e;
  }
  return {
    url,
    async describe() {
      const c = new pg.Client(poolConfig(url));
      await c.connect();
      try {
        const { rows } = await c.query(
          `SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync,
                  current_setting('synchronous_commit') AS sc, current_setting('shared_buffers') AS sb,
                  current_setting('max_connections') AS mc`,
        );
        const r = rows[0];
        return `PostgreSQL ${r.v} (fsync=${r.fsync}, synchronous_commit=${r.sc}, shared_buffers=${r.sb}, max_connections=${r.mc})`;
      } finally {
        await c.end();
      }
    },
    async close() {
      if (opts.keep) {
        opts.progress(`kept database ${url}`);
        if (!opts.databaseUrl) opts.progress("the embedded server is stopped; its data directory is kept");
      } else if (opts.databaseUrl) {
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
      await stopServer();
    },
  };
}

/** Application name of the bench's child processes' connections (to see them leave). */
export const WORKER_APPLICATION = "tollgate-bench-worker";

/**
 * A measured pool: like the app's (createPool) but it never closes idle connections, so a
 * cell never pays for connecting because the previous one left the pool idle for 10 s.
 */
export function benchPool(url: string, max: number, applicationName = "tollgate-bench") {
  // Pipelined, as the app's decision pool is (one round trip per batch step; ADR 0004).
  const pool = new pg.Pool({ ...poolConfig(url), max, idleTimeoutMillis: 0, application_name: applicationName, pipeline: true } as pg.PoolConfig);
  pool.on("error", () => {}); // an idle connection killed by the server: the pool replaces it
  return pool;
}

/** Opens all of a pool's connections now, before anything is measured. */
export async function fillPool(pool: pg.Pool, size: number) {
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  for (const c of clients) c.release();
}

/** Waits (up to 5 s) until the child processes' backends have exited and been reaped. */
export async function workersGone(admin: pg.Pool) {
  for (let i = 0; i < 100; i++) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [WORKER_APPLICATION]);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 50)); // the postmaster reaps right after the exit
}

