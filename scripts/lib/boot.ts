// Getting a ready database for any entry point (npm start, db:seed, apikey, bench):
// validated config → DATABASE_URL or the embedded instance → migrations applied.
import path from "node:path";
import { ConfigError, getConfig, type Config } from "../../app/services/config.server.ts";
import { migrateDeploy, openAppDatabase, ROOT, type LocalInstance } from "./postgres.ts";

export function loadConfigOrExit(): Config {
  try {
    return getConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      // Plain text on stderr: the configuration is what sets up the logger (LOG_FORMAT, LOG_LEVEL).
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

export function dataDir(config: Config) {
  return path.resolve(ROOT, config.DATA_DIR);
}

/**
 * Opens the app database (starting the embedded server when needed), applies pending
 * migrations and exports DATABASE_URL for this process. Call `release()` when done.
 */
export async function prepareDatabase(
  config: Config,
  opts: { progress?: (msg: string) => void; migrate?: boolean } = {},
): Promise<LocalInstance> {
  const progress = opts.progress ?? (() => {});
  if (!config.DATABASE_URL) progress(`starting embedded PostgreSQL (data in ${config.DATA_DIR}/postgres)`);
  const instance = await openAppDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: dataDir(config),
    port: config.EMBEDDED_PG_PORT,
  });
  process.env.DATABASE_URL = instance.url;
  // The app's configuration (parsed again inside the build) must know this URL is the embedded
  // server: without it, production mode demanded SECRETS_KEY and turned the demo seed off.
  if (!config.DATABASE_URL) process.env.TOLLGATE_EMBEDDED_DATABASE = "1";
  if (opts.migrate !== false) {
    progress("applying migrations");
    // Migrations hold a session advisory lock: never through a transaction pooler (ADR 0012).
    await migrateDeploy(config.DATABASE_DIRECT_URL ?? instance.url);
  }
  return instance;
}
