// One row of the result: a (workload, peer, concurrency, processes) cell summarised from its
// samples. Field names are the JSON contract of shared/BENCH.md; the rest are extras.
import { toJson, type Money } from "../../app/core/index.ts";
import { cpuPct } from "./cpu.ts";
import { percentile, sortedCopy, type Samples } from "./measure.ts";
import type { PeerName, WorkloadName } from "./options.ts";

export interface ResultRow {
  name: WorkloadName;
  peer: PeerName;
  /** Operations in flight at once (for P processes × W workers: P × W). */
  concurrency: number;
  processes: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  allowed: number;
  denied: number;
  overspendUsd: number;
  // extras
  errors: number;
  firstError?: string;
  /** Requests denied while a serial system would have allowed them (hot/spread: every denial; contended-limit: below limit ÷ price per round). */
  falseDenials?: number;
  /** tollgate's budget-lease events in the cell (ADR 0009): granted, returned, trimmed, reclaimed, short. */
  leases?: Record<string, number>;
  /** tollgate: the reserve step alone (BENCH.md's reserve latency target). */
  reserveP50Ms?: number | null;
  reserveP99Ms?: number | null;
  /** contended-limit: rounds of 500 attempts, and the most any round's budget ended at. */
  rounds?: number;
  /** contended-limit: what a serial system allows per round (limit ÷ price), and the rounds that allowed exactly that. */
  serialAllowed?: number;
  exactRounds?: number;
  maxFinalUsd?: number | null;
  /** tollgate: ledger checks (exact platform totals, no row over its limit, reconcile clean). */
  checksOk?: boolean;
  checkFailures?: string[];
  /** CPU in percent of one core over the cell: the bench's Node process(es), the PostgreSQL server. */
  nodeCpuPct: number | null;
  pgCpuPct: number | null;
}

const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

export function summarise(
  cell: { name: WorkloadName; peer: PeerName; concurrency: number; processes: number },
  s: Samples & { seconds: number },
  overspend: Money,
  pgCpuPct: number | null,
): ResultRow {
  const lat = sortedCopy(s.latencies);
  const row: ResultRow = {
    ...cell,
    ops: s.ops,
    seconds: Math.round(s.seconds * 1000) / 1000,
    opsPerSec: s.seconds > 0 ? Math.round((s.ops / s.seconds) * 10) / 10 : 0,
    p50Ms: r2(percentile(lat, 50)),
    p95Ms: r2(percentile(lat, 95)),
    p99Ms: r2(percentile(lat, 99)),
    allowed: s.allowed,
    denied: s.denied,
    overspendUsd: toJson(overspend),
    errors: s.errors,
    nodeCpuPct: cpuPct(s.cpuMs, s.cpuWallMs),
    pgCpuPct,
  };
  if (s.firstError) row.firstError = s.firstError;
  if (s.leases) row.leases = s.leases;
  if (cell.peer === "tollgate" && s.reserveLatencies.length) {
    const res = sortedCopy(s.reserveLatencies);
    row.reserveP50Ms = r2(percentile(res, 50));
    row.reserveP99Ms = r2(percentile(res, 99));
  }
  return row;
}

export function addChecks(row: ResultRow, failures: string[]) {
  if (row.peer !== "tollgate") return;
  const all = [...(row.checkFailures ?? []), ...failures];
  row.checksOk = all.length === 0 && row.errors === 0;
  if (row.errors) all.push(`${row.errors} operations failed: ${row.firstError}`);
  if (all.length) row.checkFailures = [...new Set(all)];
}

export interface Ratios {
  hot_c64_vs_rlf: number | null;
  spread_c64_vs_rlf: number | null;
  [k: string]: number | null;
}

/** tollgate ops/s over rate-limiter-flexible's, same workload, same in-process concurrency. */
export function ratios(rows: ResultRow[]): Ratios {
  const at = (name: WorkloadName, peer: PeerName, c: number, p: number) =>
    rows.find((r) => r.name === name && r.peer === peer && r.concurrency === c && r.processes === p);
  const ratio = (name: WorkloadName, c: number, p = 1) => {
    const t = at(name, "tollgate", c, p);
    const rlf = at(name, "rate-limiter-flexible", c, p);
    return t && rlf && rlf.opsPerSec > 0 ? Math.round((t.opsPerSec / rlf.opsPerSec) * 1000) / 1000 : null;
  };
  const out: Ratios = { hot_c64_vs_rlf: ratio("hot", 64), spread_c64_vs_rlf: ratio("spread", 64) };
  for (const r of rows) {
    if (r.peer !== "tollgate" || r.name === "contended-limit") continue;
    const key = r.processes > 1 ? `${r.name}_${r.processes}x${r.concurrency / r.processes}_vs_rlf` : `${r.name}_c${r.concurrency}_vs_rlf`;
    if (!(key in out)) out[key] = ratio(r.name, r.concurrency, r.processes);
  }
  return out;
}
