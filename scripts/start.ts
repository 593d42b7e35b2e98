// `npm start`: a working Tollgate from a fresh clone. Validates config, starts the embedded
// PostgreSQL (or uses DATABASE_URL), applies migrations, seeds the demo data once, builds the
// app when the build is missing or stale, serves it, and stops everything cleanly on Ctrl-C.
import { disconnectDb, db, dbPool } from "../app/db/client.server.ts";
import { loadConfigOrExit, prepareDatabase } from "./lib/boot.ts";
import { ensureBuild } from "./lib/build.ts";
import { isLoopbackHost } from "../app/services/config.server.ts";
import { assertNoDemoCredentials, DemoCredentialsExposedError } from "./lib/demo-credentials.ts";
import { serve } from "./serve.ts";
import { serverProcesses, serveWorkers } from "./lib/workers.ts";
import { ownShutdownSignals } from "./lib/postgres.ts";
import { isPrettyLogging, logger } from "../app/services/logger.server.ts";
import { collectOwn, startMetricsServer, type MetricsServer } from "./lib/metrics-server.ts";
import { shutdownTelemetry } from "./lib/otel.ts";

const config = loadConfigOrExit();
const log = logger("start");
const step = (msg: string) => log.info(msg);
// shutdown() below stops the app processes, then the database: no one else may exit first.
ownShutdownSignals();
process.env.NODE_ENV ??= config.NODE_ENV;

let stopping = false;
let database: Awaited<ReturnType<typeof prepareDatabase>> | undefined;
let server: { url: string; close(): Promise<void> } | undefined;
let metricsServer: MetricsServer | undefined;
/** Registered first: a signal at any point stops what has been started so far, in order. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  step(`${signal} received, stopping`);
  await metricsServer?.close();
  await server?.close();
  await shutdownTelemetry();
  await disconnectDb();
  await database?.release();
  step("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

const started = Date.now();
database = await prepareDatabase(config, { progress: step });

if (config.SEED_DEMO) {
  const { seedDemoAndAnalyze } = await import("../prisma/seed.ts");
  step("checking demo data");
  const summary = await seedDemoAndAnalyze(db(), dbPool(), { log: (m) => step(`  ${m}`) });
  if (summary.seeded) step(`seeded demo data (${summary.costRecords.toLocaleString()} cost records)`);
}

await ensureBuild(step);

const processes = serverProcesses(config.WEB_CONCURRENCY);
try {
  // serve() checks this too; checked here first so a process group does not start only to
  // have each of its processes refuse.
  if (!isLoopbackHost(config.HOST)) await assertNoDemoCredentials(config.HOST, database.url);
  const group = processes > 1 ? await serveWorkers({ count: processes, port: config.PORT, host: config.HOST, log: step }) : undefined;
  server = group ?? (await serve({ port: config.PORT, host: config.HOST }));
  if (config.METRICS_PORT > 0) {
    metricsServer = await startMetricsServer({ port: config.METRICS_PORT, host: config.METRICS_HOST, collect: group ? group.metrics : collectOwn });
    step(`Prometheus metrics at ${metricsServer.url}`);
  }
} catch (e) {
  if (!(e instanceof DemoCredentialsExposedError)) throw e;
  log.fatal(e.message);
  await disconnectDb();
  await database.release();
  process.exit(1);
}
const { DEMO_PLATFORM_KEY } = await import("../app/services/api-keys.server.ts");
step(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${processes} server process${processes > 1 ? "es" : ""})`);
// At a terminal: the URL, the demo logins and the demo key, for a person to read. As JSON lines
// (a log shipper): the URL only — the demo password and key are in the README, not in logs.
const banner = `
  Tollgate is running at \x1b[1m${server.url}\x1b[0m
${
  config.SEED_DEMO
    ? `
  Demo logins (password: tollgate-demo)
    admin@tollgate.dev     admin
    finance@tollgate.dev   finance
    ops@tollgate.dev       ops
    admin@acme.test        tenant admin of acme
    admin@globex.test      tenant admin of globex

  Demo platform API key (demo data only):
    ${DEMO_PLATFORM_KEY}
  Try: curl -H "Authorization: Bearer ${DEMO_PLATFORM_KEY}" ${server.url}/api/v1/tenants
`
    : ""
}
  Press Ctrl-C to stop.
`;
if (isPrettyLogging()) process.stdout.write(banner);
else log.info({ address: server.url, demoData: config.SEED_DEMO }, `Tollgate is running at ${server.url}${config.SEED_DEMO ? " (demo logins and key: README)" : ""}. Press Ctrl-C to stop.`);
