// Typed reads for hand-written SQL: the caller names the row shape once instead of reading
// `any` rows by position. Works on a pool, a transaction's client, or the core's Queryable.
import type pg from "pg";

export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** Every row of a query. */
export async function rows<R extends pg.QueryResultRow>(q: Queryable, text: string, params: unknown[] = []): Promise<R[]> {
  return (await q.query<R>(text, params)).rows;
}

/** The first row of a query, or undefined when it returned none. */
export async function firstRow<R extends pg.QueryResultRow>(q: Queryable, text: string, params: unknown[] = []): Promise<R | undefined> {
  return (await q.query<R>(text, params)).rows[0];
}
