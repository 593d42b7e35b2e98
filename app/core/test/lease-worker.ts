// A process that takes a budget lease (ADR 0009), holds a few reservations on it, says so, and
// then waits to be killed: the test proves a dead holder's slice loses nothing and comes back.
import { createPool } from "../../db/client.server.ts";
import { createTollgate } from "../index.ts";

const [url, tenantId, count, amount, ttl] = process.argv.slice(2);
const pool = createPool(url, 4, { pipeline: true });
const tollgate = createTollgate({ pool, leases: { ttlSeconds: Number(ttl) } });
let allowed = 0;
for (let i = 0; i < Number(count); i++) {
  const d = await tollgate.reserve({ tenantId, resource: "llm", idempotencyKey: `dead-${i}`, estimatedCostUsd: amount });
  if (d.allowed) allowed++;
}
process.stdout.write(`ready\n${JSON.stringify({ allowed, pid: process.pid })}\n`);
setInterval(() => {}, 1000); // until killed
