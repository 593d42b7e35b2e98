// What one decision costs in round trips, and the plan of its hottest statement. A pg Client
// that records every query the core sends shows both: one reserve+settle on the hot target
// yields the statement list, and the usage-row lock (`SELECT … FOR UPDATE OF u`) with its real
// parameters, which EXPLAIN (ANALYZE, BUFFERS) then runs inside a rolled-back transaction —
// under load (halfway through the hot c=max tollgate cell) and again after the run.
import pg from "pg";
import { createTollgate } from "../../app/core/index.ts";
import { LOCK_USAGE } from "../../app/core/statements.ts";
// @ts-expect-error pg ships no types for its utils; prepareValue is how it binds a value
import { prepareValue } from "pg/lib/utils.js";
import { poolConfig } from "../../app/db/pg-adapter.ts";
import type { Target } from "./fixture.ts";
import { OP_USD } from "./peers.ts";

interface Query {
  text: string;
  values: unknown[];
}

export interface HotPathCapture {
  reserve: string[];
  settle: string[];
  /** The lock statement of a reserve alone, and of one batch as `hot` c=64 forms it. */
  locks: { step: string; query: Query }[];
}

/** First words of a statement, whitespace collapsed, e.g. "SELECT pg_advisory_xact_lock(…". */
const headline = (sql: string) => {
  const flat = sql.replace(/\s+/g, " ").trim();
  const lock = / FOR UPDATE( OF \w+)?$/.exec(flat);
  return (flat.length > 70 ? `${flat.slice(0, 70)}…` : flat) + (lock && flat.length > 70 ? lock[0] : "");
};

/** The usage-row lock (every decision path sends LOCK_USAGE, named, with bound parameters). */
const isLock = (q: Query) => q.text === LOCK_USAGE.text;

/** A bound value as an SQL literal (arrays in PostgreSQL's text form, as pg binds them). */
const literal = (v: unknown) => (v === null || v === undefined ? "NULL" : pg.escapeLiteral(String(prepareValue(v))));

/** EXECUTE of the lock with its values inlined: what psql (or EXPLAIN) can run after PREPARE. */
const executeText = (lock: Query) => `EXECUTE ${LOCK_USAGE.name}(${lock.values.map(literal).join(", ")})`;

export const CAPTURE_BATCH = 32;

export async function captureHotPath(url: string, target: Target, key: string, groupCommit = true): Promise<HotPathCapture> {
  const seen: Query[] = [];
  class RecordingClient extends pg.Client {
    query(...args: any[]): any {
      const [first, second] = args;
      if (typeof first === "string") seen.push({ text: first, values: Array.isArray(second) ? second : [] });
      else if (first && typeof first.text === "string") seen.push({ text: first.text, values: first.values ?? [] });
      return (super.query as any)(...args);
    }
  }
  const pool = new pg.Pool({ ...poolConfig(url), max: 4, Client: RecordingClient });
  try {
    const tollgate = createTollgate({ pool, groupCommit: groupCommit ? { inFlight: 1 } : false });
    const hold = async (k: string) => {
      const d = await tollgate.reserve({ tenantId: target.tenantId, userId: target.userId, resource: "llm", idempotencyKey: k, estimatedCostUsd: OP_USD });
      if (!d.allowed) throw new Error("capture: the hot target was denied");
      return d.reservationId;
    };
    const id = await hold(key);
    const reserve = seen.splice(0);
    await tollgate.settle(id, { actualCostUsd: OP_USD });
    const settle = seen.splice(0);
    const locks = [{ step: "a reserve alone", query: reserve.find(isLock) }];
    if (groupCommit) {
      // One batch as hot c=64 forms it: half of the workers settle while the other half reserve.
      const held = await Promise.all(Array.from({ length: CAPTURE_BATCH }, (_, i) => hold(`${key}-h${i}`)));
      seen.splice(0);
      const pacer = hold(`${key}-pacer`);
      await Promise.all([
        ...held.map((h) => tollgate.settle(h, { actualCostUsd: OP_USD })),
        ...Array.from({ length: CAPTURE_BATCH }, (_, i) => hold(`${key}-r${i}`)),
        pacer,
      ]);
      const batchLock = seen.filter(isLock).sort((a, b) => JSON.stringify(b.values).length - JSON.stringify(a.values).length)[0];
      locks.push({ step: `a batch of ${CAPTURE_BATCH} settles + ${CAPTURE_BATCH} reserves`, query: batchLock });
    }
    return {
      reserve: reserve.map((q) => headline(q.text)),
      settle: settle.map((q) => headline(q.text)),
      locks: locks.flatMap((l) => (l.query ? [{ step: l.step, query: l.query }] : [])),
    };
  } finally {
    await pool.end();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the captured lock statement; the locks it takes are rolled back. */
export async function explainLock(url: string, lock: Query): Promise<string> {
  const c = new pg.Client(poolConfig(url));
  await c.connect();
  try {
    // As the core runs it: prepared, with a generic plan (planned once per connection).
    await c.query(`BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; PREPARE ${LOCK_USAGE.name} AS ${LOCK_USAGE.text}`);
    const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${executeText(lock)}`);
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  } finally {
    await c.query("ROLLBACK").catch(() => {});
    await c.end();
  }
}

/** The statement with its parameters inlined as literals, for the report (and pasting into psql). */
export function lockStatementText(lock: Query): string {
  return `PREPARE ${LOCK_USAGE.name} AS ${LOCK_USAGE.text};\n${executeText(lock)};`;
}
