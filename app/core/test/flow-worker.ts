// A separate OS process that runs reserve→settle flows (group commit, the default) from W
// concurrent workers until it is told to stop or is killed, and prints what it finished.
import { createPool } from "../../db/client.server.ts";
// WORKER_STATEMENTS=unnamed: its URL is a PgBouncer in transaction mode (ADR 0012).
import { createTollgate } from "../index.ts";

const [url, tenantId, userId, workers, prefix] = process.argv.slice(2);
const pool = createPool(url, 8);
const tollgate = createTollgate({ pool, statements: process.env.WORKER_STATEMENTS === "unnamed" ? "unnamed" : "named" });
let stop = false;
let settled = 0;
process.stdin.on("data", (d) => {
  if (String(d).includes("stop")) stop = true;
  else void run();
});
async function run() {
  await Promise.all(
    Array.from({ length: Number(workers) }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const r = await tollgate.reserve({ tenantId, userId, resource: "llm", idempotencyKey: `${prefix}-${w}-${i}`, estimatedCostUsd: "0.02" });
        if (!r.allowed) throw new Error("unexpected denial");
        await tollgate.settle(r.reservationId, { actualCostUsd: "0.01" });
        settled++;
      }
    }),
  );
  process.stdout.write(JSON.stringify({ settled }) + "\n");
  await pool.end();
  process.exit(0);
}
// tsx runs this file in a child of the process the test spawned: the test kills this pid.
process.stdout.write(`pid ${process.pid}\nready\n`);
