// A separate OS process that fires N concurrent reservations and prints how many were allowed.
// Used to prove the guarantee across processes, not just across async tasks in one process.
// Its pool is pipelined, as the app's decision pool is. `leases`: the quota scopes it leases
// (ADR 0009), "none" for none. `user`: the end user of every request ("*": a new one per request,
// `<prefix>-<i>`; absent: none).
import { createPool } from "../../db/client.server.ts";
// WORKER_STATEMENTS=unnamed: its URL is a PgBouncer in transaction mode (ADR 0012).
import { createTollgate, type Scope } from "../index.ts";

const [url, tenantId, count, prefix, amount, strategy, leases = "platform", user] = process.argv.slice(2);
const pool = createPool(url, 16, { pipeline: true });
const tollgate = createTollgate({
  pool,
  statements: process.env.WORKER_STATEMENTS === "unnamed" ? "unnamed" : "named",
  groupCommit: strategy === "group-commit",
  leases: leases === "none" ? false : { scopes: leases.split(",") as Exclude<Scope, "each_user">[] },
});
// Start together: every worker waits for the go signal on stdin.
process.stdin.once("data", async () => {
  const results = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      tollgate.reserve({
        tenantId, resource: "llm", idempotencyKey: `${prefix}-${i}`, estimatedCostUsd: amount,
        userId: user === undefined ? undefined : user === "*" ? `${prefix}-${i}` : user,
      }),
    ),
  );
  const allowed = results.filter((r) => r.allowed).length;
  process.stdout.write(JSON.stringify({ allowed, denied: results.length - allowed }) + "\n");
  await pool.end();
  process.exit(0);
});
process.stdout.write("ready\n");
