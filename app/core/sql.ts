// Named statements with numbered parameters, built once at load. A statement's text is written
// from fragments that each ask for the parameters they need BY NAME (`p("usage_id", "uuid[]")`
// → `$5::uuid[]`); the builder numbers them, so fragments compose without offset arithmetic and
// a call binds an object of values, never a positional list.
//
// Statements travel as protocol-level prepared statements: parsed once per connection under
// their name (or unnamed, for a pooler that cannot keep them: PgBouncer in transaction mode),
// values bound as parameters, never pasted into SQL text. On a pool whose clients are created
// with `pipeline: true`, the steps of one round trip (`send`) go out together and the server
// answers them in one go: a batch costs two round trips, as it did with SQL-level PREPARE and
// quoted literals, without the quoting (ADR 0004, "statements").
import type pg from "pg";
import type { Queryable } from "./db.ts";

export interface Statement {
  readonly name: string;
  readonly text: string;
  /** Parameter names in $-number order. */
  readonly params: readonly string[];
}

export type Param = (name: string, type: string) => string;

/** Builds a statement: `build` gets `p(name, type)`, which returns `$n::type` (the same n for a repeated name). */
export function statement(name: string, build: (p: Param) => string): Statement {
  const params: string[] = [];
  const types = new Map<string, string>();
  const p: Param = (key, type) => {
    const known = types.get(key);
    if (known !== undefined && known !== type) throw new Error(`statement ${name}: parameter ${key} used as ${known} and ${type}`);
    if (known === undefined) {
      types.set(key, type);
      params.push(key);
    }
    return `$${params.indexOf(key) + 1}::${type}`;
  };
  const text = build(p).trim();
  return { name, text, params };
}

/** The positional values of a statement from named ones; a missing or unknown name is a programming error. */
export function bind(s: Statement, values: Record<string, unknown>): unknown[] {
  for (const k of Object.keys(values)) if (!s.params.includes(k)) throw new Error(`statement ${s.name}: no parameter ${k}`);
  return s.params.map((k) => {
    if (!(k in values)) throw new Error(`statement ${s.name}: missing parameter ${k}`);
    const v = values[k];
    return v === undefined ? null : v;
  });
}

/** How statements are sent: named (parsed once per connection) or unnamed (parsed every time). */
export type StatementMode = "named" | "unnamed";

// One setting per process: a deployment either talks to PostgreSQL (or a pooler that keeps
// named statements) or to one that cannot (PgBouncer before 1.21 in transaction mode).
let processMode: StatementMode = "named";

/** Sets how this process sends statements (createTollgate's `statements` option). */
export function useStatements(mode: StatementMode) {
  processMode = mode;
}

/** One query config for a statement call. */
export function call(s: Statement, values: Record<string, unknown>, mode: StatementMode = processMode): pg.QueryConfig {
  return mode === "named" ? { name: s.name, text: s.text, values: bind(s, values) } : { text: s.text, values: bind(s, values) };
}

/** Runs one statement. */
export async function run(q: Queryable, s: Statement, values: Record<string, unknown>, mode: StatementMode = processMode): Promise<pg.QueryResult> {
  return q.query(call(s, values, mode));
}

/**
 * Sends several queries as one round trip on a pipelined client (`pipeline: true`), one after
 * another otherwise, and returns their results in order. On a pipeline every query is awaited,
 * so a failure of one never leaves another's rejection unhandled; the first failure is thrown
 * (the ones after it only report the aborted transaction).
 */
export async function send(c: Queryable, queries: (string | pg.QueryConfig)[]): Promise<pg.QueryResult[]> {
  const one = (q: string | pg.QueryConfig) => (typeof q === "string" ? c.query(q) : c.query(q));
  if (!(c as { pipeline?: boolean }).pipeline) {
    const results: pg.QueryResult[] = [];
    for (const q of queries) results.push(await one(q));
    return results;
  }
  // Submitted while the socket is corked, the queries leave in one write (pg corks each
  // query's own messages only).
  const socket = (c as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
  socket?.cork?.();
  let pending: Promise<pg.QueryResult>[];
  try {
    pending = queries.map(one);
  } finally {
    socket?.uncork?.();
  }
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<pg.QueryResult>).value);
}
