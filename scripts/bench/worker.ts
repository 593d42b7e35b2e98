// A benchmark child process: its own pool and peer, W async workers, started by a go signal on
// stdin so that all processes begin together; prints "ready", then one JSON line of samples.
// contended-limit: every stdin line is one round (its budget) and gets one line of samples
// back, until "end".
import readline from "node:readline";
import { benchPool, fillPool, WORKER_APPLICATION } from "./database.ts";
import { loadTargets } from "./fixture.ts";
import { addCounts, runBurst, runTimed } from "./measure.ts";
import { createPeer } from "./peers.ts";
import { timedOperation, type ContendedRound, type WorkerSpec } from "./processes.ts";

const spec = JSON.parse(process.argv[2]) as WorkerSpec;
const pool = benchPool(spec.url, spec.poolSize, WORKER_APPLICATION);
const peer = await createPeer(spec.peer, pool, { tableCreated: true, groupCommit: spec.groupCommit, inFlight: spec.inFlight, leases: spec.leases });
const targets = await loadTargets(pool);
// Open the pool's connections now, so connecting is not part of the measured window.
await fillPool(pool, spec.poolSize);

const done = () => void pool.end().finally(() => process.exit(0));

if (spec.workload === "contended-limit") {
  const rounds = readline.createInterface({ input: process.stdin });
  rounds.on("line", async (line) => {
    if (line === "end") return rounds.close();
    const { budget, round, attempts } = JSON.parse(line) as ContendedRound;
    const samples = await runBurst({ concurrency: spec.concurrency, attempts, op: (i) => peer.hold(budget, `${spec.keyPrefix}-r${round}-${i}`) });
    process.stdout.write(JSON.stringify(samples) + "\n");
  });
  rounds.on("close", done);
} else {
  const workload = spec.workload;
  process.stdin.once("data", async () => {
    const leasesBefore = peer.leaseStats?.();
    const samples = await runTimed({
      concurrency: spec.concurrency,
      durationS: spec.durationS,
      warmupS: spec.warmupS,
      op: timedOperation(peer, workload, targets, spec.keyPrefix),
    });
    if (leasesBefore) samples.leases = addCounts(peer.leaseStats!(), leasesBefore, -1);
    process.stdout.write(JSON.stringify(samples) + "\n", done);
  });
}
process.stdout.write("ready\n");
