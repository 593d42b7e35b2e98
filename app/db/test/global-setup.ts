// vitest globalSetup: one throwaway embedded PostgreSQL per test run, migrated once into a
// template database; each test file clones its own database from it (see test-database.ts).
// With DATABASE_URL set, that server is used instead (the template is rebuilt there).
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { freePort, migrateDeploy, startEmbeddedPostgres, withDatabase } from "../../../scripts/lib/postgres.ts";
import { poolConfig } from "../pg-adapter.ts";

export const TEMPLATE_DB = "tollgate_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stop = async () => {};
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, "postgres");
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-test-pg-"));
    chmodSync(dir, 0o755); // the server runs as an unprivileged OS user when we are root
    const server = await startEmbeddedPostgres({
      dir: path.join(dir, "data"),
      port: await freePort(),
      persistent: false,
      // Throwaway data: durability buys nothing here and costs seconds.
      settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
    });
    adminUrl = server.adminUrl;
    stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client(poolConfig(adminUrl));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.end();
  await migrateDeploy(withDatabase(adminUrl, TEMPLATE_DB));
  project.provide("pgAdminUrl", adminUrl);
  return stop;
}
