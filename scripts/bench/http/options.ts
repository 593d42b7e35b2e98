// `npm run bench:http` options: which cells, how long, at which concurrencies.
import { serverProcesses } from "../../lib/workers.ts";
import { list, nonNegative, positive, readArgs, UsageError } from "../cli.ts";

export const HTTP_CELLS = ["health", "reserve", "pairs", "usage", "quota-status", "spend"] as const;
export type HttpCellName = (typeof HTTP_CELLS)[number];

export interface HttpBenchOptions {
  cells: HttpCellName[];
  concurrency: number[];
  /** Measured seconds per cell. */
  duration: number;
  /** Unmeasured seconds before each cell (connections opened, JIT warm, pool filled). */
  warmup: number;
  /** Run the two references (bare node:http, the in-process core). */
  references: boolean;
  /** Write a V8 CPU profile of the app server here (node --cpu-prof), for where the time goes. */
  cpuProfDir: string | null;
  /** Server processes (node:cluster workers on one port), as WEB_CONCURRENCY sets for `npm start`. */
  processes: number;
}

export const HTTP_HELP = `npm run bench:http -- [options]

Starts the real server (production build, a fresh database on a throwaway embedded PostgreSQL
or on the server of DATABASE_URL, the bench fixture of 1,000 tenants) and drives /api/v1 with
autocannon over loopback. In the same run: a bare node:http server answering fixed JSON (the
floor of this stack) and the in-process core (the ceiling the HTTP path should approach).

  --cells LIST         ${HTTP_CELLS.join(",")} (default: all)
  --concurrency LIST   connections per cell (default 1,8,64)
  --duration SECONDS   measured seconds per cell (default 8)
  --warmup SECONDS     unmeasured seconds before each cell (default 2)
  --processes N        app server processes on one port, as WEB_CONCURRENCY runs them (default
                       ${serverProcesses(0)}: one per core, what \`npm start\` runs by default)
  --no-references      skip the bare node:http and in-process core cells
  --cpu-prof DIR       write a CPU profile of the app server to DIR (open it in Chrome DevTools, or
                       \`tsx scripts/bench/http/profile-top.ts DIR/*.cpuprofile\` for the top frames;
                       one profile per server process)
  --quick              2 s cells, 1 s warm-up, concurrency 8,64
  --help               this text

Progress goes to stderr; stdout gets a table and, as its last line, one JSON object.`;

function processesOption(value: string | undefined): number {
  if (value === undefined) return serverProcesses(0);
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new UsageError(`--processes: expected a whole number from 1 to 64, got "${value}"`);
  return Number(value);
}

export function parseHttpOptions(argv: string[]): HttpBenchOptions | "help" {
  const { flags, given } = readArgs(argv, {
    flags: ["help", "quick", "no-references"],
    values: ["cells", "concurrency", "duration", "warmup", "cpu-prof", "processes"],
  });
  if (flags.has("help")) return "help";
  const quick = flags.has("quick");
  return {
    cells: list("--cells", given.get("cells") ?? HTTP_CELLS.join(","), HTTP_CELLS),
    concurrency: (given.get("concurrency") ?? (quick ? "8,64" : "1,8,64")).split(",").map((c) => positive("--concurrency", c, true)),
    duration: positive("--duration", given.get("duration") ?? (quick ? "2" : "8"), false),
    warmup: nonNegative("--warmup", given.get("warmup") ?? (quick ? "1" : "2")),
    references: !flags.has("no-references"),
    cpuProfDir: given.get("cpu-prof") ?? null,
    processes: processesOption(given.get("processes")),
  };
}
