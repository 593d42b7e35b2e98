// Cost records: filtered, keyset-paginated reads of the ledger, for the explorer
// (records.page.server.ts), the tenant page and the streamed CSV export. Keyset, never OFFSET: a page is "the next 50 rows after (sort value, id)", which the
// indexes on cost_records answer by walking a short range, so page 1 and page 10,000 cost the
// same. Tenant-scoped rows are read as the row-level-security role (defence in depth; see
// withSlices for why the keyset walk itself is not). Every read here is on readPool(): the ledger
// as of the replica's replay lag (ADR 0013); a record settled a moment ago may not be listed yet.
import { readPool } from "~/db/client.server.ts";
import { asTenant, withTransaction, type Tx } from "~/db/transaction.server.ts";
import {
  PAGE_SIZE,
  encodeCursor,
  sortDescending,
  sortKey,
  type Cursor,
  type RecordFilters,
  type RecordSort,
  type RecordsQuery,
} from "~/schemas/records.ts";
import { readKeysetPage, type KeysetPage, type SliceReader as KeysetSliceReader } from "./keyset-page.ts";

/** Whose records: every tenant's (staff) or one tenant's (its pages, read under RLS). */
export type RecordScope = { kind: "all" } | { kind: "tenant"; tenantId: string };

export interface CostRecordRow {
  id: string;
  /** ISO timestamp, millisecond precision (as stored). */
  occurredAt: string;
  tenantSlug: string;
  tenantName: string;
  userId: string | null;
  conversationId: string | null;
  taskId: string | null;
  touchpoint: string | null;
  resource: "llm" | "sandbox";
  provider: string | null;
  model: string | null;
  tier: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  billedDurationMs: number | null;
  activeDurationMs: number | null;
  /** Exact NUMERIC(24,10) text. */
  costUsd: string;
  estimatedCostUsd: string | null;
  reservationId: string | null;
  late: boolean;
  backfill: boolean;
}

export interface RecordsPage extends KeysetPage<CostRecordRow> {
  /** The database gave up (statement timeout): the filters need narrowing. */
  tooSlow: boolean;
}

// An explorer page must never tie up a connection for long: a filter on an unindexed column
// that matches almost nothing (a rare model across every tenant) would otherwise walk the whole
// ledger. Past this the page says "narrow the filters" instead of hanging.
const PAGE_TIMEOUT_MS = 5_000;

const COLUMNS = `c.id::text AS id, c.occurred_at, t.slug AS tenant_slug, t.name AS tenant_name, c.user_id,
  c.conversation_id, c.task_id, c.touchpoint, c.resource::text AS resource, c.provider, c.model, c.tier,
  c.input_tokens, c.output_tokens, c.cached_input_tokens, c.billed_duration_ms, c.active_duration_ms,
  c.cost_usd::text AS cost_usd, c.estimated_cost_usd::text AS estimated_cost_usd, c.reservation_id::text AS reservation_id,
  c.late, c.backfill`;

const SORT_SQL = {
  time: { column: "c.occurred_at", cast: "timestamptz" },
  cost: { column: "c.cost_usd", cast: "numeric" },
} as const;

const DAY_MS = 86_400_000;

/** The WHERE conditions for the filters; parameters are appended to `params`. */
function filterConditions(scope: RecordScope, f: RecordFilters, params: unknown[], tenantId?: string): string[] {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const conds: string[] = [];
  if (scope.kind === "tenant") conds.push(`c.tenant_id = ${p(scope.tenantId)}::uuid`);
  // The id itself when the caller resolved it: the planner then sees the tenant's row count in
  // its statistics. Behind a sub-select it assumed an average tenant, and for a tenant with a
  // tenth of the ledger it sorted the whole month for every 5,000-row CSV batch (4 s each).
  else if (tenantId) conds.push(`c.tenant_id = ${p(tenantId)}::uuid`);
  // A sub-select, not a join: the planner treats it as one value and walks the tenant's index.
  else if (f.tenant) conds.push(`c.tenant_id = (SELECT id FROM tenants WHERE slug = ${p(f.tenant)})`);
  if (f.user) conds.push(`c.user_id = ${p(f.user)}`);
  if (f.model) conds.push(`c.model = ${p(f.model)}`);
  if (f.touchpoint) conds.push(`c.touchpoint = ${p(f.touchpoint)}`);
  if (f.resource) conds.push(`c.resource = ${p(f.resource)}::"ResourceType"`);
  if (f.from) conds.push(`c.occurred_at >= ${p(`${f.from}T00:00:00Z`)}::timestamptz`);
  if (f.to) {
    const dayAfter = new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY_MS).toISOString();
    conds.push(`c.occurred_at < ${p(dayAfter)}::timestamptz`);
  }
  if (f.conversation) conds.push(`c.conversation_id = ${p(f.conversation)}`);
  if (f.task) conds.push(`c.task_id = ${p(f.task)}`);
  return conds;
}

/**
 * One keyset slice in display order (`reverse` walks backwards from the cursor, for Previous):
 * its full rows, or only its ids. The row comparison `(sort value, id) < (cursor value, id)`
 * is what lets PostgreSQL start the index scan right at the cursor. Exported for the EXPLAIN
 * checks in records.test.ts.
 */
export function sliceSql(
  scope: RecordScope,
  filters: RecordFilters,
  sort: RecordSort,
  cursor: Cursor | undefined,
  reverse: boolean,
  limit: number,
  select: "rows" | "ids" = "rows",
  /** The id of `filters.tenant`, when already looked up (see filterConditions). */
  tenantId?: string,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conds = filterConditions(scope, filters, values, tenantId);
  const { column, cast } = SORT_SQL[sortKey(sort)];
  if (cursor) {
    values.push(cursor.value, cursor.id);
    conds.push(`(${column}, c.id) ${walksDown(sort, reverse) ? "<" : ">"} ($${values.length - 1}::${cast}, $${values.length}::bigint)`);
  }
  values.push(limit);
  const from = select === "rows" ? `${COLUMNS} FROM cost_records c JOIN tenants t ON t.id = c.tenant_id` : `c.id FROM cost_records c`;
  const text = `SELECT ${from}
   ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""}
   ORDER BY ${orderBy(sort, reverse)}
   LIMIT $${values.length}`;
  return { text, values };
}

/** Walking "down" = descending. Display order descends for *_desc; Previous walks the other way. */
const walksDown = (sort: RecordSort, reverse: boolean) => sortDescending(sort) !== reverse;

function orderBy(sort: RecordSort, reverse: boolean) {
  const dir = walksDown(sort, reverse) ? "DESC" : "ASC";
  return `${SORT_SQL[sortKey(sort)].column} ${dir}, c.id ${dir}`;
}

type SliceReader = KeysetSliceReader<CostRecordRow, Cursor>;

/**
 * Runs `fn` with a reader of keyset slices, in one read-only transaction with a statement
 * timeout. For one tenant the reader works in two steps: the slice's ids are located as the
 * owning role (every condition includes the tenant id), then the rows themselves are read as
 * the row-level-security role scoped to the tenant, so what reaches the page is still guarded
 * by RLS (defence in depth). Why not everything under RLS: with a policy in place PostgreSQL
 * only puts leakproof operators into index conditions, and numeric comparison is not leakproof,
 * so the cost-order keyset became a filter — a Previous page in cost order in a tenant with a
 * million records took 2.8 s instead of 0.3 ms.
 */
export async function withSlices<T>(
  scope: RecordScope,
  filters: RecordFilters,
  sort: RecordSort,
  timeoutMs: number,
  fn: (read: SliceReader) => Promise<T>,
): Promise<T> {
  return withTransaction((client) => fn(sliceReader(client, scope, filters, sort)), { readOnly: true, statementTimeoutMs: timeoutMs, pool: readPool() });
}

function sliceReader(client: Tx, scope: RecordScope, filters: RecordFilters, sort: RecordSort): SliceReader {
  let tenantId: string | null | undefined;
  return async (cursor, reverse, limit) => {
    if (scope.kind === "all") {
      if (filters.tenant && tenantId === undefined) {
        const { rows } = await client.query(`SELECT id FROM tenants WHERE slug = $1`, [filters.tenant]);
        tenantId = rows[0]?.id ?? null;
      }
      if (tenantId === null) return []; // no such tenant: nothing matches
      const { text, values } = sliceSql(scope, filters, sort, cursor, reverse, limit, "rows", tenantId);
      return (await client.query(text, values)).rows.map(toRow);
    }
    const { text, values } = sliceSql(scope, filters, sort, cursor, reverse, limit, "ids");
    const ids = (await client.query(text, values)).rows.map((r) => r.id);
    if (ids.length === 0) return [];
    return asTenant(client, scope.tenantId, async () => {
      const { rows } = await client.query(
        `SELECT ${COLUMNS} FROM cost_records c JOIN tenants t ON t.id = c.tenant_id
          WHERE c.id = ANY($1::bigint[]) ORDER BY ${orderBy(sort, reverse)}`,
        [ids],
      );
      return rows.map(toRow);
    });
  };
}

function toRow(r: any): CostRecordRow {
  return {
    id: r.id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    tenantSlug: r.tenant_slug,
    tenantName: r.tenant_name,
    userId: r.user_id,
    conversationId: r.conversation_id,
    taskId: r.task_id,
    touchpoint: r.touchpoint,
    resource: r.resource,
    provider: r.provider,
    model: r.model,
    tier: r.tier,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedInputTokens: r.cached_input_tokens,
    billedDurationMs: r.billed_duration_ms,
    activeDurationMs: r.active_duration_ms,
    costUsd: r.cost_usd,
    estimatedCostUsd: r.estimated_cost_usd,
    reservationId: r.reservation_id,
    late: r.late,
    backfill: r.backfill,
  };
}

export function cursorOf(row: CostRecordRow, sort: RecordSort): Cursor {
  return sortKey(sort) === "time"
    ? { key: "time", value: row.occurredAt, id: row.id }
    : { key: "cost", value: row.costUsd, id: row.id };
}

const isStatementTimeout = (e: unknown) => (e as { code?: string })?.code === "57014";

/** One page of records for `query` (filters, sort, and an optional after/before cursor). */
export async function listCostRecords(scope: RecordScope, query: RecordsQuery, pageSize = PAGE_SIZE): Promise<RecordsPage> {
  const { filters, sort } = query;
  const encode = (row: CostRecordRow) => encodeCursor(cursorOf(row, sort));
  try {
    const page = await withSlices(scope, filters, sort, PAGE_TIMEOUT_MS, (read) => readKeysetPage(read, query, pageSize, encode));
    return { ...page, tooSlow: false };
  } catch (error) {
    if (isStatementTimeout(error)) return { rows: [], next: null, previous: null, tooSlow: true };
    throw error;
  }
}
