// How many server processes `npm start` runs (WEB_CONCURRENCY, scripts/lib/workers.ts). Its own
// module, free of heavy imports, because the telemetry preload (scripts/otel-preload.ts) must
// know it before `pg` or `http` are loaded.
import os from "node:os";

/** 0 = one per core (what the machine can run in parallel). */
export function serverProcesses(setting: number): number {
  return setting > 0 ? setting : Math.max(1, os.availableParallelism());
}
