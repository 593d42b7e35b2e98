// Where the CPU went during a cell: this Node process (and its bench children) versus the
// PostgreSQL server, in percent of one core. Node and PostgreSQL share the machine's cores,
// so these two numbers are the first thing to read next to a throughput figure.
import { readdirSync, readFileSync } from "node:fs";
import type pg from "pg";

const TICKS_PER_SECOND = 100; // Linux USER_HZ

interface ProcStat {
  ppid: number;
  /** utime + stime, and the same for waited-for children, in clock ticks. */
  own: number;
  children: number;
}

function stat(pid: number): ProcStat | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; the fields after its ")" are fixed.
    const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/**
 * CPU milliseconds used so far by the server a pool talks to: the postmaster, its live children
 * (backends, WAL writer, checkpointer…) and the children it has reaped. Null when the server is
 * not a local process this user can read (a remote DATABASE_URL).
 */
export async function serverCpuProbe(pool: pg.Pool): Promise<(() => number) | null> {
  const { rows } = await pool.query("SELECT pg_backend_pid() AS pid");
  const backend = stat(Number(rows[0].pid));
  if (!backend) return null;
  const postmaster = backend.ppid;
  if (!stat(postmaster)) return null;
  return () => {
    const pm = stat(postmaster);
    let ticks = pm ? pm.own + pm.children : 0;
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const s = stat(Number(name));
      if (s && s.ppid === postmaster) ticks += s.own;
    }
    return (ticks * 1000) / TICKS_PER_SECOND;
  };
}

/** CPU milliseconds another local process has used so far (user + system), or null if it is gone. */
export function pidCpuMs(pid: number): number | null {
  const s = stat(pid);
  return s ? (s.own * 1000) / TICKS_PER_SECOND : null;
}

/** CPU milliseconds this process has used so far (user + system). */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface CpuShare {
  /** percent of one core, over the cell's wall time */
  nodePct: number | null;
  pgPct: number | null;
}

export const cpuPct = (cpuMs: number | null, wallMs: number) =>
  cpuMs === null || wallMs <= 0 ? null : Math.round((cpuMs / wallMs) * 100);
