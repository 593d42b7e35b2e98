// The app's one enforcement core, wired from validated configuration. Route handlers (the
// HTTP API, the demo product routes) and background work all use this instance.
import path from "node:path";
import type pg from "pg";
import { createTollgate, type Hooks, type Tollgate } from "~/core/index.ts";
import { observePool } from "~/core/telemetry.ts";
import { createPool } from "~/db/client.server.ts";
import { alertHooks } from "./alerts/quota-alerts.server.ts";
import { behindPooler, databaseUrl, getConfig } from "./config.server.ts";
import { logger } from "./logger.server.ts";

const log = logger("tollgate");
let instance: Tollgate | undefined;
let stopBackground: (() => void) | undefined;

/** Quota warnings/exceeded write alert outbox rows in the deciding transaction (ADR 0006). */
const hooks: Hooks = alertHooks;

export function tollgate(): Tollgate {
  if (instance) return instance;
  const config = getConfig();
  // The core's own pool (ADR 0011): a decision that cannot get a connection or an answer in
  // time is "unavailable" (fail mode decides what happens) rather than a request hanging behind
  // a sick database, and dashboards on the app pool cannot take its connections. Pipelined: a
  // batch's statements go out in one round trip (ADR 0004).
  // Behind PgBouncer in transaction mode (ADR 0012): no statement_timeout startup parameter
  // (PgBouncer 1.18 refuses the connection: "unsupported startup parameter") — the operator sets
  // it on the bouncer's server connections instead (connect_query), checked once below — and
  // statements unnamed (it cannot keep named ones).
  const pooled = behindPooler();
  const pool = createPool(databaseUrl(), 12, {
    ...(pooled ? {} : { statement_timeout: config.QUOTA_DB_TIMEOUT_MS }),
    connectionTimeoutMillis: config.QUOTA_DB_TIMEOUT_MS,
    pipeline: true,
  });
  observePool("core", pool);
  if (pooled) void checkPooledStatementTimeout(pool, config.QUOTA_DB_TIMEOUT_MS);
  instance = createTollgate({
    pool,
    hooks,
    enforcement: { llm: config.ENFORCE_COST_QUOTAS, sandbox: config.ENFORCE_E2B_QUOTAS },
    failMode: config.QUOTA_FAIL_MODE,
    spoolDir: config.QUOTA_FAIL_MODE === "open" ? spoolDir() : undefined,
    defaultTtlSeconds: config.RESERVATION_TTL_SECONDS,
    statements: pooled ? "unnamed" : "named",
  });
  return instance;
}

/**
 * Behind a transaction pooler the server-side bound on a decision's statements is the
 * operator's (ADR 0012: PgBouncer's connect_query='SET statement_timeout = …'). Without it a
 * stuck statement (a lock held by a stray session, a sick disk) holds the request and a core
 * connection until it ends instead of answering 503 after QUOTA_DB_TIMEOUT_MS. Read once on a
 * pooled connection at start (the setting is the same on every server connection of the
 * bouncer's database entry) and logged: info when it holds, a warning naming the fix when not.
 */
async function checkPooledStatementTimeout(pool: pg.Pool, wantMs: number) {
  let ms: number | undefined;
  // The core pool's connect timeout is QUOTA_DB_TIMEOUT_MS: a busy start can miss it. Try again
  // a few times (a database that stays down is reported by every decision already).
  for (let attempt = 0; ms === undefined && attempt < 10; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 2000).unref());
    ms = await pool.query(`SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'`).then((r) => r.rows[0].ms as number, () => undefined);
  }
  if (ms === undefined) return;
  const fields = { event: "pooled_statement_timeout", statementTimeoutMs: ms, quotaDbTimeoutMs: wantMs };
  if (ms > 0 && ms <= wantMs) log.info(fields, `statement_timeout through the pooler: ${ms} ms`);
  else {
    log.warn(
      fields,
      `statement_timeout through the pooler is ${ms ? `${ms} ms` : "off"}, not at most QUOTA_DB_TIMEOUT_MS (${wantMs} ms): a stuck statement holds a decision until it ends. ` +
        `Set it on the pooler's server connections (PgBouncer: connect_query='SET statement_timeout = ${wantMs}' on the database entry; ADR 0012)`,
    );
  }
}

/** Where fail-open mode spools (QUOTA_SPOOL_DIR, default $DATA_DIR/spool). */
export function spoolDir() {
  const config = getConfig();
  return path.resolve(config.QUOTA_SPOOL_DIR ?? path.join(config.DATA_DIR, "spool"));
}

/** Starts the expiry sweeper (and spool replay in fail-open mode); idempotent. */
export function startBackgroundWork() {
  if (stopBackground) return stopBackground;
  const config = getConfig();
  stopBackground = tollgate().startBackgroundWork(config.SWEEP_INTERVAL_SECONDS * 1000, (e) =>
    log.error({ err: e }, "background work failed"),
  );
  return stopBackground;
}

/** Replays this process's fail-open spool every SWEEP_INTERVAL_SECONDS (nothing in closed mode). */
export function startSpoolReplay(): () => void {
  const config = getConfig();
  if (config.QUOTA_FAIL_MODE !== "open") return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tollgate()
      .replaySpool()
      .catch((e) => log.error({ err: e }, "spool replay failed"))
      .finally(() => (running = false));
  }, config.SWEEP_INTERVAL_SECONDS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
