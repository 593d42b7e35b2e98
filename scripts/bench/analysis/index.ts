// `npm run bench:analysis`: the analysis backtest (issue #14). Generated tenant-days with known
// truth run through the app's analysis code — the pure functions the job calls, fed by the job's
// own input builder (analysis-inputs.test.ts shows the job's SQL gathers exactly those inputs) —
// beside the classic mean + 2σ method, a naive run rate and the method before the backtest.
// Prints tables, the targets, and one JSON line last. Deterministic: same seeds, same numbers.
import os from "node:os";
import { runBacktest } from "./backtest.ts";
import { FAMILIES, type Family } from "./series.ts";
import { Progress } from "../progress.ts";
import { anomalyTable, forecastTable, jsonLine, targets, targetsTable } from "./report.ts";

const HELP = `npm run bench:analysis -- [options]

Backtests the anomaly detection and the forecasts on generated series with known truth, against
the classic mean + 2σ method, a naive run rate and the previous method, in one run.

  --seeds N          series per family (default 100: about a minute of CPU in all)
  --families LIST    ${FAMILIES.join(",")} (default: all)
  --sensitivity S    ANOMALY_SENSITIVITY to judge with (default 2)
  --help             this text

Progress goes to stderr; stdout gets the tables and, as its last line, one JSON object.`;

function parse(argv: string[]) {
  const o = { seeds: 100, families: [...FAMILIES] as Family[], sensitivity: 2 };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (name === "--help") return "help" as const;
    else if (name === "--seeds") o.seeds = Number(value());
    else if (name === "--sensitivity") o.sensitivity = Number(value());
    else if (name === "--families") o.families = value().split(",") as Family[];
    else throw new Error(`unknown option ${argv[i]} (see --help)`);
  }
  if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new Error("--seeds: expected a whole number ≥ 1");
  if (!(o.sensitivity > 0)) throw new Error("--sensitivity: expected a number > 0");
  const bad = o.families.filter((f) => !FAMILIES.includes(f));
  if (bad.length || !o.families.length) throw new Error(`--families: expected some of ${FAMILIES.join(",")}`);
  return o;
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench:analysis: ${(e as Error).message}\n`);
  process.exit(2);
}
if (options === "help") {
  process.stdout.write(HELP + "\n");
  process.exit(0);
}
const started = Date.now();
const progress = new Progress(options.families.length);
let current: { family: string; done: number } = { family: "", done: 0 };
const results = runBacktest({
  ...options,
  progress: (family, done, total) => {
    if (current.family !== family) {
      if (current.family) progress.done();
      current = { family, done };
      progress.rounds(`${family} · ${total} series`, total, () => current.done);
    }
    current.done = done;
  },
});
progress.done();
const seconds = Math.round((Date.now() - started) / 1000);
const list = targets(results);
const load = `load average ${os.loadavg()[0].toFixed(1)} (${os.cpus().length} cores)`;
process.stdout.write(
  [
    `# npm run bench:analysis — ${options.seeds} series per family, sensitivity ${options.sensitivity}, ${seconds} s; ${load}`,
    "",
    "## Forecasts (absolute % error of the period-end spend; interval coverage; breach predictions every 3 days)",
    "",
    forecastTable(results),
    "",
    "## Anomalies (F1 with precision / recall per labelled spike size; unlabelled flags on days ≥ 56)",
    "",
    anomalyTable(results),
    "",
    targetsTable(list),
    jsonLine(results, list, { meta: { seeds: options.seeds, sensitivity: options.sensitivity, totalSeconds: seconds, load } }),
  ].join("\n") + "\n",
);
