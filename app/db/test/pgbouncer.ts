// A PgBouncer in transaction pooling mode on 127.0.0.1, in front of a test's PostgreSQL (ADR
// 0012). Debian's pgbouncer (1.18: no max_prepared_statements, so the core runs with
// statements: "unnamed" behind it). Every database it serves is an ALIAS (`<db>_via_bouncer`)
// of a real one: that name exists only in the bouncer, so a connection that bypassed it fails
// instead of silently passing a test. `stats(alias)` reads its admin console's SHOW STATS.
// `connectQuery` runs on every server connection the bouncer opens, before any client gets it:
// how an operator sets the server-side statement_timeout behind it (ADR 0012).
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "../../../scripts/lib/postgres.ts";

export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";
/** The unprivileged OS user pgbouncer runs as when we are root (it refuses to run as root). */
const RUN_AS = "postgres";

export interface BouncerStats {
  /** Transactions and queries pooled for this database since the bouncer started. */
  xacts: number;
  queries: number;
}

export interface PgBouncer {
  port: number;
  /** URL of `database` of the upstream server, through the bouncer (the alias). */
  url(database: string): string;
  /** SHOW STATS for the alias of `database` (zeros before its first connection). */
  stats(database: string): Promise<BouncerStats>;
  /** Any admin-console command (SHOW POOLS, SHOW CLIENTS, …): simple protocol only. */
  admin(command: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export const viaBouncer = (database: string) => `${database}_via_bouncer`;

/**
 * Starts pgbouncer for the given databases of the server at `upstreamUrl` (whose user and
 * password it also uses: the userlist holds them, so it can answer the client's SCRAM and log
 * in to the server with SCRAM itself). Throws, naming the package, when the binary is missing.
 */
export async function startPgBouncer(upstreamUrl: string, databases: string[], opts: { poolSize?: number; connectQuery?: string } = {}): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER_BIN)) {
    throw new Error(`${PGBOUNCER_BIN} not found: install Debian's pgbouncer (apt-get install pgbouncer; .ci/run does) or set PGBOUNCER_BIN`);
  }
  const up = new URL(upstreamUrl);
  const user = decodeURIComponent(up.username);
  const password = decodeURIComponent(up.password);
  const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-pgbouncer-"));
  chmodSync(dir, 0o755); // pgbouncer runs as RUN_AS and reads its ini and userlist from here
  const port = await freePort();
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  if (opts.connectQuery?.includes("'")) throw new Error("connectQuery: no single quotes (it is written as connect_query='…')");
  const connectQuery = opts.connectQuery ? ` connect_query='${opts.connectQuery}'` : "";
  writeFileSync(path.join(dir, "userlist.txt"), `${quote(user)} ${quote(password)}\n`, { mode: 0o644 });
  const ini = [
    "[databases]",
    ...databases.map((d) => `${viaBouncer(d)} = host=${up.hostname} port=${up.port} dbname=${d}${connectQuery}`),
    "",
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    `unix_socket_dir =`,
    "pool_mode = transaction",
    // Idle server connections taken in turn (FIFO), not the last one used (LIFO, the default):
    // consecutive transactions of one client land on different server connections, so code
    // that relies on session state (a session lock, a named statement) fails here instead of
    // passing because a quiet client happened to get the same connection back.
    "server_round_robin = 1",
    "auth_type = scram-sha-256",
    `auth_file = ${path.join(dir, "userlist.txt")}`,
    `admin_users = ${user}`,
    `default_pool_size = ${opts.poolSize ?? 20}`,
    "max_client_conn = 500",
    "",
  ].join("\n");
  writeFileSync(path.join(dir, "pgbouncer.ini"), ini, { mode: 0o644 });
  const args = [...(process.getuid?.() === 0 ? ["-u", RUN_AS] : []), path.join(dir, "pgbouncer.ini")];
  const child = spawn(PGBOUNCER_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  // A test process that dies (a timeout, a crash) must not leave the bouncer running.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  await waitListening(port, child, () => log);

  const adminUrl = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/pgbouncer`;
  const admin = async (command: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return (await c.query(command)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  return {
    port,
    url: (database) => `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${viaBouncer(database)}`,
    admin,
    async stats(database) {
      const row = (await admin("SHOW STATS")).find((r) => r.database === viaBouncer(database));
      return { xacts: Number(row?.total_xact_count ?? 0), queries: Number(row?.total_query_count ?? 0) };
    },
    async stop() {
      process.off("exit", killOnExit);
      // SIGTERM: immediate shutdown (SIGINT would wait for clients still connected).
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitListening(port: number, child: ChildProcess, log: () => string) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`pgbouncer did not listen on ${port}: ${log()}`);
}
