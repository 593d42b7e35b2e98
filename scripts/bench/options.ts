// Command-line options of `npm run bench`. `--quick` only changes defaults; explicit flags win.
import { list, nonNegative, positive, readArgs, UsageError } from "./cli.ts";

/** Quota scopes whose rows can be leased (per-user defaults never are: ADR 0016). */
export type LeaseScope = "platform" | "tenant" | "user";

export const WORKLOADS = ["hot", "spread", "spread-users", "contended-limit"] as const;
export const PEERS = ["tollgate", "rate-limiter-flexible", "naive"] as const;
export type WorkloadName = (typeof WORKLOADS)[number];
export type PeerName = (typeof PEERS)[number];

export interface BenchOptions {
  workloads: WorkloadName[];
  peers: PeerName[];
  concurrency: number[];
  /** Measured seconds per timed cell (after the warm-up). */
  duration: number;
  warmup: number;
  /** OS processes × async workers each, for every workload (contended-limit: its rounds' attempts shared out); null = none. */
  processes: { count: number; perProcess: number } | null;
  poolSize: number;
  /** contended-limit rounds (500 reservations against a fresh $10 quota each). */
  rounds: number;
  explain: boolean;
  keepDatabase: boolean;
  /** false: run tollgate with one transaction per decision (createTollgate({ groupCommit: false })). */
  groupCommit: boolean;
  /** Batches of one process in flight at once (createTollgate({ groupCommit: { inFlight } })). */
  inFlight: number;
  /** Quota scopes tollgate leases (ADR 0009); [] = no leases. */
  leases: LeaseScope[];
  quick: boolean;
}

export const HELP = `npm run bench -- [options]

Drives the enforcement core (and its peers) against a real PostgreSQL: a throwaway embedded
server by default, or a fresh database tollgate_bench_<random> on the server of DATABASE_URL.

  --workloads LIST     ${WORKLOADS.join(",")} (default: all)
                       spread-users: spread, 9 of 10 requests from an end user never seen before,
                       under each tenant's per-user default (ADR 0016)
  --peers LIST         ${PEERS.join(",")} (default: all; "rlf" = rate-limiter-flexible)
  --concurrency LIST   in-process async workers per cell (default 1,8,64)
  --duration SECONDS   measured seconds per cell (default 5)
  --warmup SECONDS     unmeasured seconds before each cell (default duration/5, at most 1)
  --processes PxW|none P processes × W workers, every workload (default 4x16)
  --pool N             pg pool size per process (default 16)
  --rounds N           contended-limit rounds per cell (default 20)
  --no-explain         skip the round-trip count and EXPLAIN (ANALYZE, BUFFERS) of the lock statement
  --keep-db            keep the benchmark database (and embedded server data) for inspection
  --no-group-commit    run tollgate with one transaction per decision (createTollgate({ groupCommit: false }))
  --in-flight N        tollgate batches in flight per process (default 1; each its own lease holder)
  --leases LIST|none   quota scopes tollgate leases budget slices of (default platform; ADR 0009)
  --quick              1 s cells, concurrency 8,64, no processes, 5 rounds (< 60 s)
  --help               this text

Progress goes to stderr; stdout gets a table and, as its last line, one JSON object.`;

export function parseOptions(argv: string[]): BenchOptions | "help" {
  const { flags, given } = readArgs(argv, {
    flags: ["help", "quick", "no-explain", "keep-db", "no-group-commit"],
    values: ["workloads", "peers", "concurrency", "duration", "warmup", "processes", "pool", "rounds", "leases", "in-flight"],
  });
  if (flags.has("help")) return "help";
  const quick = flags.has("quick");
  const get = (name: string, fallback: string) => given.get(name) ?? fallback;

  const duration = positive("--duration", get("duration", quick ? "1" : "5"), false);
  const processesArg = get("processes", quick ? "none" : "4x16");
  let processes: BenchOptions["processes"] = null;
  if (processesArg !== "none") {
    const m = /^(\d+)x(\d+)$/.exec(processesArg);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--processes: expected PxW (e.g. 4x16) or none, got "${processesArg}"`);
    processes = { count: Number(m[1]), perProcess: Number(m[2]) };
  }
  return {
    workloads: list("--workloads", get("workloads", WORKLOADS.join(",")), WORKLOADS),
    peers: list("--peers", get("peers", PEERS.join(",")), PEERS, { rlf: "rate-limiter-flexible" }),
    concurrency: get("concurrency", quick ? "8,64" : "1,8,64").split(",").map((c) => positive("--concurrency", c, true)),
    duration,
    warmup: given.has("warmup") ? nonNegative("--warmup", given.get("warmup")!) : Math.min(1, duration / 5),
    processes,
    poolSize: positive("--pool", get("pool", "16"), true),
    rounds: positive("--rounds", get("rounds", quick ? "5" : "20"), true),
    explain: !flags.has("no-explain"),
    keepDatabase: flags.has("keep-db"),
    groupCommit: !flags.has("no-group-commit"),
    inFlight: positive("--in-flight", get("in-flight", "1"), true),
    leases: get("leases", "platform") === "none" ? [] : list("--leases", get("leases", "platform"), ["platform", "tenant", "user"] as const),
    quick,
  };
}
