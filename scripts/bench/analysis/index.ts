// `npm run bench:analysis`: the analysis backtest (issue #14). Generated tenant-days with known
// truth run through the app's analysis code — the pure functions the job calls, fed by the job's
// own input builder (analysis-inputs.test.ts shows the job's SQL gathers exactly those inputs) —
// beside the classic mean + 2σ method, a naive run rate and the method before the backtest.
// Prints tables, the targets, and one JSON line last. Deterministic: same seeds, same numbers.
import os from "node:os";
import { runBacktest } from "./backtest.ts";
import { FAMILIES, type Family } from "./series.ts";
import { list, positive, readArgs, runCli } from "../cli.ts";
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
  const { flags, given } = readArgs(argv, { flags: ["help"], values: ["seeds", "families", "sensitivity"] });
  if (flags.has("help")) return "help" as const;
  return {
    seeds: positive("--seeds", given.get("seeds") ?? "100", true),
    families: list("--families", given.get("families") ?? FAMILIES.join(","), FAMILIES) as Family[],
    sensitivity: positive("--sensitivity", given.get("sensitivity") ?? "2", false),
  };
}

async function run(options: Exclude<ReturnType<typeof parse>, "help">): Promise<number> {
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
  const targetList = targets(results);
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
      targetsTable(targetList),
      jsonLine(results, targetList, { meta: { seeds: options.seeds, sensitivity: options.sensitivity, totalSeconds: seconds, load } }),
    ].join("\n") + "\n",
  );
  return 0;
}

runCli({ name: "bench:analysis", help: HELP, parse, run });
