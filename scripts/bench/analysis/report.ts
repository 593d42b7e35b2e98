// The backtest's report: tables for people (forecasts, anomalies, the targets with ✔/✘)
// and the one JSON line for machines, printed last (like `npm run bench`).
import type { AnomalyFigures, FamilyResult, ForecastFigures } from "./backtest.ts";
import { CLEAN_FAMILIES } from "./series.ts";

const cell = (x: number | null | undefined, suffix = "") => (x === null || x === undefined ? "–" : `${x}${suffix}`);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function forecastTable(results: FamilyResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    for (const [method, f] of Object.entries(r.forecasts) as [string, ForecastFigures][]) {
      rows.push([r.family, method, cell(f.ape21, "%"), cell(f.ape14, "%"), cell(f.ape7, "%"), cell(f.coverage80, "%"), cell(f.breachPrecision), cell(f.breachRecall), cell(f.leadDays)]);
    }
  }
  return table(["family", "method", "APE 21 d left", "APE 14 d", "APE 7 d", "80% coverage", "breach precision", "breach recall", "lead days (median)"], rows);
}

export function anomalyTable(results: FamilyResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    for (const [method, a] of Object.entries(r.anomalies) as [string, AnomalyFigures][]) {
      const size = (k: string) => (a.bySize[k] ? `${a.bySize[k].f1 ?? "–"} (${a.bySize[k].precision ?? "–"} / ${a.bySize[k].recall})` : "–");
      rows.push([r.family, method, size("2x"), size("3x"), size("5x"), String(a.fpPer100TenantMonths), cell(a.newTenantFpPer100TenantMonths), cell(a.alertDaysAfterShift)]);
    }
  }
  return table(["family", "method", "2× F1 (P / R)", "3× F1 (P / R)", "5× F1 (P / R)", "unlabelled flags / 100 tenant-months", "new tenants' first 28 d / 100 t-m", "flagged days after a shift's first 3"], rows);
}

export interface Target {
  figure: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

const fam = (results: FamilyResult[], name: string) => results.find((r) => r.family === name);

/** The targets of issue #14, evaluated on this run. */
export function targets(results: FamilyResult[]): Target[] {
  const out: Target[] = [];
  const cov = results.map((r) => [r.family, r.forecasts.tollgate?.coverage80 ?? null] as const).filter(([, c]) => c !== null);
  out.push({
    figure: "80% interval coverage, every family",
    goal: "75–85%",
    measured: cov.map(([f, c]) => `${f} ${c}%`).join(", "),
    met: cov.length ? cov.every(([, c]) => c! >= 75 && c! <= 85) : null,
  });
  for (const [group, families, factor] of [["growth and spike", ["growth-linear", "growth-exp", "spikes", "incidents"], 0.7], ["steady", ["steady", "boundaries"], 1]] as const) {
    const parts = families.map((f) => {
      const x = fam(results, f)?.forecasts;
      return { f, t: x?.tollgate?.ape14 ?? null, n: x?.naive?.ape14 ?? null, c: x?.classic?.ape14 ?? null };
    }).filter((p) => p.t !== null && p.n !== null);
    out.push({
      figure: `APE at 14 days left vs naive run rate, ${group} families`,
      goal: `≤ ${factor}× naive, below classic`,
      measured: parts.map((p) => `${p.f} ${p.t}% vs ${p.n}% (${(p.t! / p.n!).toFixed(2)}×), classic ${p.c}%`).join("; "),
      met: parts.length ? parts.every((p) => p.t! <= factor * p.n! && (p.c === null || p.t! <= p.c)) : null,
    });
  }
  const f1 = ["spikes", "incidents"].flatMap((f) => ["3x", "5x"].map((k) => ({ f, k, t: fam(results, f)?.anomalies.tollgate?.bySize[k]?.f1 ?? null, c: fam(results, f)?.anomalies.classic?.bySize[k]?.f1 ?? null }))).filter((x) => x.t !== null);
  out.push({
    figure: "anomaly F1 on spikes ≥ 3× baseline",
    goal: "≥ 0.9, above classic",
    measured: f1.map((x) => `${x.f} ${x.k} ${x.t} (classic ${x.c ?? "–"})`).join(", "),
    met: f1.length ? f1.every((x) => x.t! >= 0.9 && (x.c === null || x.t! >= x.c)) : null,
  });
  const clean = CLEAN_FAMILIES.map((f) => ({ f, t: fam(results, f)?.anomalies.tollgate?.fpPer100TenantMonths ?? null, c: fam(results, f)?.anomalies.classic?.fpPer100TenantMonths ?? null })).filter((x) => x.t !== null);
  out.push({
    figure: "false positives per 100 tenant-months, clean series",
    goal: "≤ 1, below classic",
    measured: clean.map((x) => `${x.f} ${x.t} (classic ${x.c})`).join(", "),
    met: clean.length ? clean.every((x) => x.t! <= 1 && (x.c === null || x.t! <= x.c)) : null,
  });
  const nt = fam(results, "new-tenant")?.anomalies;
  out.push({
    figure: "false positives per 100 tenant-months, new tenants' first 28 days",
    goal: "≤ 2, below classic",
    measured: nt?.tollgate ? `${nt.tollgate.newTenantFpPer100TenantMonths} (previous ${nt.previous?.newTenantFpPer100TenantMonths ?? "–"}, classic ${nt.classic?.newTenantFpPer100TenantMonths ?? "–"})` : "not run",
    met: nt?.tollgate ? nt.tollgate.newTenantFpPer100TenantMonths! <= 2 && nt.tollgate.newTenantFpPer100TenantMonths! <= (nt.classic?.newTenantFpPer100TenantMonths ?? Infinity) : null,
  });
  return out;
}

export function targetsTable(list: Target[]): string {
  return table(["target (issue #14)", "goal", "measured", ""], list.map((t) => [t.figure, t.goal, t.measured, t.met === null ? "–" : t.met ? "✔" : "✘"]));
}

export function jsonLine(results: FamilyResult[], list: Target[], meta: Record<string, unknown>): string {
  return JSON.stringify({ families: results, targets: list.map((t) => ({ figure: t.figure, met: t.met })), ...meta });
}
