// The bench commands' command lines: what is read, what is refused (as a UsageError, exit 2),
// and the defaults --quick changes, for `npm run bench` and `bench:http`.
import { describe, expect, it } from "vitest";
import { list, nonNegative, positive, readArgs, UsageError } from "./cli.ts";
import { parseHttpOptions } from "./http/options.ts";
import { parseOptions } from "./options.ts";

const OPTS = { flags: ["quick", "keep-db"], values: ["duration", "peers"] } as const;

describe("readArgs", () => {
  it("reads flags and values, spaced or with =", () => {
    const a = readArgs(["--quick", "--duration", "3", "--peers=a,b"], OPTS);
    expect([...a.flags]).toEqual(["quick"]);
    expect([...a.given]).toEqual([["duration", "3"], ["peers", "a,b"]]);
  });

  it("refuses unknown options, positionals, a missing value and a value given to a flag", () => {
    for (const argv of [["--nope"], ["hot"], ["--duration"], ["--quick=yes"]]) {
      expect(() => readArgs(argv, OPTS), argv.join(" ")).toThrow(UsageError);
    }
    expect(() => readArgs(["--nope"], OPTS)).toThrow("Unknown option '--nope'");
  });
});

describe("value checks", () => {
  it("list keeps allowed words once, resolves aliases, refuses others and empty lists", () => {
    expect(list("--peers", "rlf, naive,naive", ["naive", "rate-limiter-flexible"] as const, { rlf: "rate-limiter-flexible" })).toEqual([
      "rate-limiter-flexible",
      "naive",
    ]);
    expect(() => list("--peers", "naive,x", ["naive"] as const)).toThrow('--peers: expected some of naive, got "naive,x"');
    expect(() => list("--peers", " , ", ["naive"] as const)).toThrow(UsageError);
  });

  it("positive and nonNegative", () => {
    expect(positive("--d", "0.5", false)).toBe(0.5);
    expect(() => positive("--d", "0.5", true)).toThrow('--d: expected a positive whole number, got "0.5"');
    expect(() => positive("--d", "0", false)).toThrow(UsageError);
    expect(() => positive("--d", "abc", false)).toThrow(UsageError);
    expect(nonNegative("--w", "0")).toBe(0);
    expect(() => nonNegative("--w", "-1")).toThrow('--w: expected a number >= 0, got "-1"');
  });
});

describe("npm run bench options", () => {
  it("defaults, and --quick changes only defaults", () => {
    const full = parseOptions([]);
    const quick = parseOptions(["--quick", "--rounds", "7"]);
    if (full === "help" || quick === "help") throw new Error("help");
    expect([full.concurrency, full.duration, full.warmup, full.processes, full.rounds, full.leases]).toEqual([
      [1, 8, 64], 5, 1, { count: 4, perProcess: 16 }, 20, ["platform"],
    ]);
    expect([quick.concurrency, quick.duration, quick.warmup, quick.processes, quick.rounds]).toEqual([[8, 64], 1, 0.2, null, 7]);
    expect(parseOptions(["--help"])).toBe("help");
  });

  it("refuses a bad --processes and --leases", () => {
    expect(() => parseOptions(["--processes", "4"])).toThrow('--processes: expected PxW (e.g. 4x16) or none, got "4"');
    expect(() => parseOptions(["--leases", "tenant,org"])).toThrow(UsageError);
    const none = parseOptions(["--leases=none", "--no-group-commit"]);
    expect(none !== "help" && [none.leases, none.groupCommit]).toEqual([[], false]);
  });
});

describe("npm run bench:http options", () => {
  it("reads cells, concurrency and times, and refuses unknown cells", () => {
    const o = parseHttpOptions(["--quick", "--cells", "reserve,spend", "--processes", "2", "--no-references"]);
    if (o === "help") throw new Error("help");
    expect([o.cells, o.concurrency, o.duration, o.warmup, o.processes, o.references, o.cpuProfDir]).toEqual([
      ["reserve", "spend"], [8, 64], 2, 1, 2, false, null,
    ]);
    expect(() => parseHttpOptions(["--cells", "reserve,nope"])).toThrow(UsageError);
    expect(() => parseHttpOptions(["--processes", "65"])).toThrow("--processes: expected a whole number from 1 to 64");
  });
});
