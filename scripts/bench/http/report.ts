// bench:http's report: a table of every cell, the targets of the HTTP path with ✔/✘, and one
// JSON line for machines.
import type { HttpRow } from "./drive.ts";

const num = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? "–" : x.toFixed(digits));
const int = (x: number) => Math.round(x).toLocaleString("en-US");

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function httpTable(rows: HttpRow[]): string {
  return table(
    ["cell", "served by", "c", "requests", "s", "req/s", "ops/s", "p50 ms", "p99 ms", "non-2xx", "errors", "server CPU ms/req", "CPU server/pg %"],
    rows.map((r) => [
      r.cell,
      r.target === "app" ? "tollgate server" : r.target === "bare" ? "bare node:http" : "in-process core",
      String(r.concurrency),
      int(r.requests),
      r.seconds.toFixed(1),
      int(r.requestsPerSec),
      int(r.opsPerSec),
      num(r.p50Ms),
      num(r.p99Ms),
      r.non2xx ? `${r.non2xx} (${Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(", ")})` : "0",
      String(r.errors),
      num(r.serverCpuMsPerRequest, 3),
      `${r.serverCpuPct ?? "–"} / ${r.pgCpuPct ?? "–"}`,
    ]),
  );
}

export interface HttpRatios {
  /** /healthz ÷ bare node:http, req/s at the run's highest concurrency (64 by default). */
  health_vs_bare: number | null;
  /** reserve→settle pairs/s over HTTP ÷ the in-process core's, at the highest concurrency. */
  pairs_vs_core: number | null;
}

const find = (rows: HttpRow[], cell: string, target: HttpRow["target"], c: number) => rows.find((r) => r.cell === cell && r.target === target && r.concurrency === c);
const ratio = (a?: number, b?: number) => (a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100);

export function httpRatios(rows: HttpRow[], maxC: number): HttpRatios {
  return {
    health_vs_bare: ratio(find(rows, "health", "app", maxC)?.requestsPerSec, find(rows, "health", "bare", maxC)?.requestsPerSec),
    pairs_vs_core: ratio(find(rows, "pairs", "app", maxC)?.opsPerSec, find(rows, "pairs", "core", maxC)?.opsPerSec),
  };
}

/** Issue #18's targets, judged on this run (— when the run did not include the cell). */
export function httpTargets(rows: HttpRow[], rs: HttpRatios, maxC: number): string {
  const mark = (ok: boolean | null) => (ok === null ? "–" : ok ? "✔" : "✘");
  const reserve64 = find(rows, "reserve", "app", 64);
  const reserve8 = find(rows, "reserve", "app", 8);
  const status64 = find(rows, "quota-status", "app", 64);
  const app = rows.filter((r) => r.target === "app");
  const unintended = app.reduce((n, r) => n + r.non2xx - (r.statuses["429"] ?? 0) + r.errors, 0);
  const lines: [string, string, string, boolean | null][] = [
    [`\`/healthz\` ÷ bare node:http, c=${maxC}`, "≥ 0.35", num(rs.health_vs_bare), rs.health_vs_bare === null ? null : rs.health_vs_bare >= 0.35],
    ["reserve over HTTP, c=64", "≥ 2,000 req/s", reserve64 ? int(reserve64.requestsPerSec) : "–", reserve64 ? reserve64.requestsPerSec >= 2000 : null],
    ["reserve p50, c=8", "≤ 5 ms", num(reserve8?.p50Ms), reserve8?.p50Ms == null ? null : reserve8.p50Ms <= 5],
    [`reserve→settle pairs ÷ in-process core, c=${maxC}`, "≥ 0.5", num(rs.pairs_vs_core), rs.pairs_vs_core === null ? null : rs.pairs_vs_core >= 0.5],
    ["quota-status, c=64", "≥ 2,000 req/s", status64 ? int(status64.requestsPerSec) : "–", status64 ? status64.requestsPerSec >= 2000 : null],
    ["non-2xx other than 429, and connection errors", "0", String(unintended), app.length ? unintended === 0 : null],
  ];
  return table(["figure", "target", "this run", "met"], lines.map(([f, t, v, ok]) => [f, t, v, mark(ok)]));
}

export function httpJsonLine(rows: HttpRow[], rs: HttpRatios, meta: Record<string, unknown>): string {
  return JSON.stringify({ http: rows, ratios: rs, meta });
}
