// One server process of a WEB_CONCURRENCY group (scripts/lib/workers.ts): serves the build on
// the shared port; process 1 also runs the shared background work.
import { logger } from "../../app/services/logger.server.ts";
import { serve } from "../serve.ts";
import { answerMetricsRequests } from "./metrics-server.ts";
import { shutdownTelemetry } from "./otel.ts";

const index = Number(process.env.TOLLGATE_WORKER_INDEX);
const count = Number(process.env.TOLLGATE_WORKER_COUNT);
const none = process.env.TOLLGATE_WORKER_BACKGROUND === "none";
const shared = index === 1 && !none;
const server = await serve({
  port: Number(process.env.TOLLGATE_WORKER_PORT),
  host: process.env.TOLLGATE_WORKER_HOST ?? "127.0.0.1",
  background: none ? false : shared ? true : "own",
});
answerMetricsRequests();
logger("server").info({ worker: index, workers: count, background: shared }, `server process ${index}/${count} (pid ${process.pid}) serving${shared ? "; runs the background work" : ""}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  await shutdownTelemetry();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
// The primary is gone (killed): nobody supervises this process any more.
process.on("disconnect", () => void stop());
// Ctrl-C reaches the whole process group; the primary decides when the workers stop.
process.on("SIGINT", () => {});
