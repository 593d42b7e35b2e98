// `npm run bench:http` options: which cells, how long, at which concurrencies.
import { serverProcesses } from "../../lib/workers.ts";
import { UsageError } from "../options.ts";

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
  const given = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}" (see --help)`);
    const [name, inline] = arg.slice(2).split("=", 2);
    if (["help", "quick", "no-references"].includes(name)) {
      flags.add(name);
      continue;
    }
    if (!["cells", "concurrency", "duration", "warmup", "cpu-prof", "processes"].includes(name)) throw new UsageError(`unknown option --${name} (see --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    given.set(name, value);
  }
  if (flags.has("help")) return "help";
  const quick = flags.has("quick");
  const number = (flag: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag}: expected a number >= ${min}, got "${value}"`);
    return n;
  };
  const cells = (given.get("cells") ?? HTTP_CELLS.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
  const bad = cells.filter((c) => !HTTP_CELLS.includes(c as HttpCellName));
  if (bad.length || cells.length === 0) throw new UsageError(`--cells: expected some of ${HTTP_CELLS.join(",")}, got "${given.get("cells")}"`);
  const concurrency = (given.get("concurrency") ?? (quick ? "8,64" : "1,8,64")).split(",").map((c) => {
    const n = number("--concurrency", c, 1);
    if (!Number.isInteger(n)) throw new UsageError(`--concurrency: expected whole numbers, got "${c}"`);
    return n;
  });
  return {
    cells: [...new Set(cells)] as HttpCellName[],
    concurrency,
    duration: number("--duration", given.get("duration") ?? (quick ? "2" : "8"), 0.1),
    warmup: number("--warmup", given.get("warmup") ?? (quick ? "1" : "2"), 0),
    references: !flags.has("no-references"),
    cpuProfDir: given.get("cpu-prof") ?? null,
    processes: processesOption(given.get("processes")),
  };
}
