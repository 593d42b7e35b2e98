// The report for people (a Markdown table of every cell, the BENCH.md targets with ✔/✘, the
// round trips and the lock statement's plans) and the one-line JSON for machines.
import type { HotPathCapture } from "./explain.ts";
import type { Ratios, ResultRow } from "./results.ts";

const num = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? "–" : x.toFixed(digits));
const int = (x: number) => Math.round(x).toLocaleString("en-US");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function resultsTable(rows: ResultRow[]): string {
  return table(
    ["workload", "peer", "c", "procs", "ops", "s", "ops/s", "p50 ms", "p95 ms", "p99 ms", "reserve p50/p99 ms", "allowed", "denied", "false denials", "overspend $", "CPU node/pg %", "checks"],
    rows.map((r) => [
      r.name,
      r.peer,
      String(r.concurrency),
      String(r.processes),
      int(r.ops),
      r.seconds.toFixed(1),
      int(r.opsPerSec),
      num(r.p50Ms),
      num(r.p95Ms),
      num(r.p99Ms),
      r.reserveP50Ms !== undefined ? `${num(r.reserveP50Ms)} / ${num(r.reserveP99Ms)}` : "",
      int(r.allowed),
      int(r.denied),
      r.falseDenials === undefined ? "" : int(r.falseDenials),
      r.overspendUsd.toFixed(2),
      `${r.nodeCpuPct ?? "–"} / ${r.pgCpuPct ?? "–"}`,
      r.checksOk === undefined ? (r.errors ? `${r.errors} errors` : "") : r.checksOk ? "✔" : "✘",
    ]),
  );
}

interface Target {
  figure: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

export function targets(rows: ResultRow[], ratios: Ratios): Target[] {
  const find = (name: string, c: number, peer = "tollgate") => rows.find((r) => r.name === name && r.peer === peer && r.concurrency === c && r.processes === 1);
  const tollgate = rows.filter((r) => r.peer === "tollgate");
  const overspent = tollgate.filter((r) => r.overspendUsd !== 0);
  const out: Target[] = [
    {
      figure: "overspend, every tollgate workload/concurrency/process count",
      goal: "exactly $0",
      measured: tollgate.length ? `$${tollgate.reduce((s, r) => s + r.overspendUsd, 0).toFixed(2)} over ${tollgate.length} rows` : "not run",
      met: tollgate.length ? overspent.length === 0 : null,
    },
  ];
  for (const name of ["hot", "spread"]) {
    const r = find(name, 64);
    out.push({ figure: `\`${name}\` c=64 reserve+settle ops/s`, goal: "≥ 4,000", measured: r ? int(r.opsPerSec) : "not run", met: r ? r.opsPerSec >= 4000 : null });
  }
  for (const name of ["hot", "spread"]) {
    const r = tollgate.find((x) => x.name === name && x.processes > 1);
    out.push({
      figure: `\`${name}\` ${r ? `${r.processes} processes × ${r.concurrency / r.processes}` : "several processes"} reserve+settle ops/s`,
      goal: "≥ 4,000",
      measured: r ? int(r.opsPerSec) : "not run",
      met: r ? r.opsPerSec >= 4000 : null,
    });
  }
  const hot1 = find("hot", 1);
  const rlf1 = find("hot", 1, "rate-limiter-flexible");
  out.push({
    figure: "`hot` c=1 ÷ rate-limiter-flexible c=1",
    goal: "≥ 0.4",
    measured: hot1 && rlf1 && rlf1.opsPerSec > 0 ? `${(hot1.opsPerSec / rlf1.opsPerSec).toFixed(2)}× (${int(hot1.opsPerSec)} / ${int(rlf1.opsPerSec)})` : "not run",
    met: hot1 && rlf1 && rlf1.opsPerSec > 0 ? hot1.opsPerSec / rlf1.opsPerSec >= 0.4 : null,
  });
  const counted = tollgate.filter((r) => r.falseDenials !== undefined);
  out.push({
    figure: "false denials (denied while a serial system would allow), every tollgate row",
    goal: "0",
    measured: counted.length ? `${int(counted.reduce((s, r) => s + r.falseDenials!, 0))} over ${counted.length} rows` : "not run",
    met: counted.length ? counted.every((r) => r.falseDenials === 0) : null,
  });
  const contended = tollgate.find((x) => x.name === "contended-limit" && x.processes > 1);
  out.push({
    figure: `\`contended-limit\` ${contended ? `${contended.processes} processes × ${contended.concurrency / contended.processes}` : "several processes"}: allowed per round`,
    goal: "exactly limit ÷ price (the serial answer) every round, $0 over",
    measured: contended
      ? `${contended.exactRounds}/${contended.rounds} rounds at ${contended.serialAllowed}; $${contended.overspendUsd.toFixed(2)} over; ${int(contended.falseDenials ?? 0)} false denials`
      : "not run",
    met: contended ? contended.exactRounds === contended.rounds && contended.overspendUsd === 0 && contended.falseDenials === 0 : null,
  });
  const s8 = find("spread", 8);
  const p50 = s8?.reserveP50Ms ?? null;
  const p99 = s8?.reserveP99Ms ?? null;
  out.push({
    figure: "reserve p50 / p99 at c=8, `spread`",
    goal: "≤ 2 ms / ≤ 15 ms",
    measured: s8 ? `${num(p50)} / ${num(p99)} ms` : "not run",
    met: s8 && p50 !== null && p99 !== null ? p50 <= 2 && p99 <= 15 : null,
  });
  out.push({
    figure: "throughput ratio to rate-limiter-flexible, `hot` c=64",
    goal: "≥ 2.0",
    measured: ratios.hot_c64_vs_rlf === null ? "not run" : `${ratios.hot_c64_vs_rlf.toFixed(2)}×`,
    met: ratios.hot_c64_vs_rlf === null ? null : ratios.hot_c64_vs_rlf >= 2,
  });
  const checked = tollgate.filter((r) => r.checksOk !== undefined);
  out.push({
    figure: "tollgate ledger exact, no row over its limit, reconcile() clean",
    goal: "every row",
    measured: checked.length ? `${checked.filter((r) => r.checksOk).length}/${checked.length} rows clean` : "not run",
    met: checked.length ? checked.every((r) => r.checksOk) : null,
  });
  out.push({ figure: "dashboard loaders with 5 M records", goal: "p95 ≤ 200 ms", measured: "npm run bench:dashboards", met: null });
  return out;
}

export function targetsTable(list: Target[]): string {
  return table(
    ["target (shared/BENCH.md)", "goal", "measured", ""],
    list.map((t) => [t.figure, t.goal, t.measured, t.met === null ? "–" : t.met ? "✔" : "✘"]),
  );
}

export function hotPathSection(capture: HotPathCapture, lockSql: string | null, plans: { label: string; plan: string }[]): string {
  const steps = (qs: string[]) => qs.map((q, i) => `  ${i + 1}. ${q}`).join("\n");
  return [
    `Statements per operation (what tollgate sent for one hot reserve+settle; on its pipelined pool the statements sent together share one round trip: BEGIN … lock … seen, then write + COMMIT):`,
    `reserve: ${capture.reserve.length}\n${steps(capture.reserve)}`,
    `settle: ${capture.settle.length}\n${steps(capture.settle)}`,
    "",
    ...(lockSql
      ? ["The lock statement of the last capture above (parameters inlined):", lockSql]
      : ["No `SELECT … FROM quota_usage … FOR UPDATE` statement was sent: nothing to EXPLAIN."]),
    ...plans.flatMap((p) => ["", `EXPLAIN (ANALYZE, BUFFERS), ${p.label}:`, p.plan]),
  ].join("\n");
}

export function jsonLine(rows: ResultRow[], ratios: Ratios, meta: Record<string, unknown>): string {
  return JSON.stringify({ workloads: rows, ratios, ...meta });
}
