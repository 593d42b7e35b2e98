// The bench commands' one way to read their command line and to end: `npm run bench`,
// `bench:http`, `bench:dashboards` and `bench:analysis` each declare their options and hand
// their run to runCli, so they parse, refuse and exit alike.
import { parseArgs } from "node:util";

/** A command line the bench does not understand: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export interface Args {
  /** The boolean options given (`--quick`). */
  flags: Set<string>;
  /** The valued options given (`--duration 5` or `--duration=5`), as written. */
  given: Map<string, string>;
}

/** Reads `argv` with node:util's parseArgs: only the options named, no positionals. */
export function readArgs(argv: string[], options: { flags: readonly string[]; values: readonly string[] }): Args {
  const config = Object.fromEntries([
    ...options.flags.map((name) => [name, { type: "boolean" as const }]),
    ...options.values.map((name) => [name, { type: "string" as const }]),
  ]);
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: config, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (see --help)`);
  }
  const flags = new Set<string>();
  const given = new Map<string, string>();
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string") given.set(name, value);
    else if (value) flags.add(name);
  }
  return { flags, given };
}

/** A comma list of allowed words (duplicates dropped, aliases resolved); empty is refused. */
export function list<T extends string>(flag: string, value: string, allowed: readonly T[], aliases: Record<string, T> = {}): T[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean).map((s) => aliases[s] ?? s);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length || items.length === 0) throw new UsageError(`${flag}: expected some of ${allowed.join(",")}, got "${value}"`);
  return [...new Set(items)] as T[];
}

export function positive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected a positive ${integer ? "whole " : ""}number, got "${value}"`);
  }
  return n;
}

export function nonNegative(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a number >= 0, got "${value}"`);
  return n;
}

/**
 * Parses the command line and runs: a UsageError → its message on stderr, exit 2; "help" → the
 * help on stdout, exit 0; otherwise the run's exit code, or `failureCode` with the error's stack
 * when the run throws.
 */
export function runCli<T>(cli: {
  name: string;
  help: string;
  parse: (argv: string[]) => T | "help";
  run: (options: T) => Promise<number>;
  failureCode?: number;
}): void {
  let options: T | "help";
  try {
    options = cli.parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${cli.name}: ${e.message}\n`);
    process.exit(2);
  }
  if (options === "help") {
    process.stdout.write(cli.help + "\n");
    process.exit(0);
  }
  cli.run(options).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${cli.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(cli.failureCode ?? 1);
    },
  );
}
