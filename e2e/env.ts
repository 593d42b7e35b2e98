// Where the e2e server and its database live (shared by playwright.config.ts and the tests).
// E2E_PORT / E2E_PG_PORT let two checkouts run their e2e suites on one machine at once.
import { readFileSync } from "node:fs";
import path from "node:path";

const port = Number(process.env.E2E_PORT ?? 3100);
const pgPort = Number(process.env.E2E_PG_PORT ?? 54331);
const dataDir = ".data/e2e";

export const E2E = {
  port,
  pgPort,
  baseUrl: `http://127.0.0.1:${port}`,
  dataDir,
  /** The web server's stdout (JSON log lines), searched for secrets after the run (log-secrets.teardown.ts). */
  serverLog: path.join(import.meta.dirname, "..", ".data", `e2e-server-${port}.log`),
  /**
   * The e2e database. The embedded superuser's password is random, written by the web server
   * when it creates the cluster (scripts/lib/postgres.ts), so it is read when first needed.
   */
  databaseUrl(): string {
    const password = readFileSync(path.join(import.meta.dirname, "..", dataDir, "postgres.password"), "utf8").trim();
    return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/tollgate`;
  },
} as const;
