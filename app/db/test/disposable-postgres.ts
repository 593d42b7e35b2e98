// A PostgreSQL server a test file owns outright, so it can stop and start it (fault tests).
// Most tests should use createTestDatabase() on the shared per-run server instead.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, migrateDeploy, startEmbeddedPostgres, withDatabase, type PgServer } from "../../../scripts/lib/postgres.ts";

export interface DisposablePostgres {
  /** URL of the migrated database `name`. */
  url: string;
  dir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function disposablePostgres(name: string): Promise<DisposablePostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tollgate-${name}-`));
  chmodSync(dir, 0o755); // the server runs as an unprivileged OS user when we are root
  const port = await freePort();
  let server: PgServer | undefined;
  const start = async () => {
    server = await startEmbeddedPostgres({ dir: path.join(dir, "data"), port, persistent: true, settings: { fsync: "off" } });
  };
  await start();
  const url = withDatabase(server!.adminUrl, name);
  await migrateDeploy(url);
  return {
    url,
    dir,
    start,
    stop: async () => {
      await server?.stop();
      server = undefined;
    },
    destroy: async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
