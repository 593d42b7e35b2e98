// The QuotaUsage rows a decision touches: which quotas apply, creating missing period rows,
// locking them in the one global order (statements.ts), and the values of their new totals.
import type pg from "pg";
import { inOwnTransaction, type Queryable } from "./db.ts";
import { money, toDb, type Money } from "./money.ts";
import { periodEnd, periodStart } from "./periods.ts";
import { call, run, send } from "./sql.ts";
import { ENSURE_SHARED_USAGE, ENSURE_USAGE, GENERIC_BEGIN, LOCK_USAGE, READ_USAGE } from "./statements.ts";
import type { Enforcement, Period, QuotaResource, Resource, Scope } from "./types.ts";

export interface Scoping {
  tenantId: string;
  userId: string | null;
  resource: Resource;
  /** Usage time: selects the period row of each quota. */
  at: Date;
}

export interface UsageRow {
  /** '' in a status read for a per-user default's row not created yet (READ_USAGE reports it, never creates it). */
  usageId: string;
  quotaId: string;
  scope: Scope;
  /** The end user for a per-user default's row (ADR 0016), else the quota's scope id. */
  scopeId: string | null;
  /** The end user's tenant for a per-user default's row, else the quota's tenant. */
  tenantId: string | null;
  resource: QuotaResource;
  period: Period;
  periodStart: Date;
  resetsAt: Date;
  limitUsd: Money;
  spentUsd: Money;
  reservedUsd: Money;
  thresholds: number[];
  notified: number[];
  enforcement: Enforcement;
  enabled: boolean;
  /** A tenant's per-user default row whose user now has an enabled quota of their own for that resource and period: it no longer applies. */
  overridden?: boolean;
}

const PERIODS = ["day", "week", "month"] as const;

/** The need parameters of the usage-row statements (statements.ts), period bounds precomputed. */
export function needValues(needs: Scoping[]): Record<string, unknown> {
  const v: Record<string, unknown> = {
    need_resource: needs.map((n) => n.resource),
    need_tenant: needs.map((n) => n.tenantId),
    need_user: needs.map((n) => n.userId),
  };
  for (const p of PERIODS) {
    v[`${p}_start`] = needs.map((n) => periodStart(p, n.at));
    v[`${p}_end`] = needs.map((n) => periodEnd(p, n.at));
  }
  return v;
}

/** The rows LOCK_USAGE returns: the locked usage rows and the count of applicable rows missing. */
export function parseLock(rows: any[]): { rows: UsageRow[]; missing: number } {
  return { rows: rows.filter((r) => r.usageId !== null).map(toRow), missing: rows[0]?.missing ?? 0 };
}

export function toRow(r: any): UsageRow {
  return {
    ...r,
    periodStart: new Date(r.periodStart),
    resetsAt: periodEnd(r.period, new Date(r.periodStart)),
    limitUsd: money(r.limitUsd),
    spentUsd: money(r.spentUsd),
    reservedUsd: money(r.reservedUsd),
  };
}

/**
 * Does this row's quota apply to the need (enabled, scope, resource, and the need's period)? A
 * per-user default's row carries its user and their tenant as scopeId and tenantId, so it
 * applies like that user's own quota — unless that quota now overrides it.
 */
export function applies(row: UsageRow, need: Scoping): boolean {
  return (
    row.enabled &&
    !row.overridden &&
    (row.resource === need.resource || row.resource === "all") &&
    (row.scope === "platform" || (row.tenantId === need.tenantId && (row.scope === "tenant" || row.scopeId === need.userId))) &&
    row.periodStart.getTime() === periodStart(row.period, need.at).getTime()
  );
}

/** Creates missing period rows (must run before this transaction locks any usage row). */
export async function ensureUsageRows(q: Queryable, needs: Scoping[]) {
  await run(q, ENSURE_USAGE, needValues(needs));
}

/**
 * Locks every row applicable to the needs, plus `alsoIds`, in the global order. The caller
 * created missing rows first (ensureUsageRows in the same transaction, before any lock).
 */
export async function lockUsageRows(q: Queryable, needs: Scoping[], alsoIds: string[] = []): Promise<UsageRow[]> {
  const { rows } = await run(q, LOCK_USAGE, { ...needValues(needs), also_ids: alsoIds, skip_ids: [] });
  return parseLock(rows).rows;
}

/** Locks the given rows (a reservation's holds) in the global order. */
export async function lockUsageRowsById(q: Queryable, ids: string[]): Promise<UsageRow[]> {
  if (ids.length === 0) return [];
  return lockUsageRows(q, [], ids);
}

/**
 * Unlocked read of the rows applicable to the needs (quota-status): one transaction, sent as one
 * round trip on a pipelined pool, planned generically like the decision path's statements (a
 * custom plan of these statements costs several times their run). Only when the read reports a
 * missing row are the rows created and read again, in a second round trip. Per-user default rows
 * (ADR 0016) are never created by a read: one not created yet comes back as the user's figures
 * so far, with usageId ''.
 */
export async function readUsageRows(pool: pg.Pool, needs: Scoping[]): Promise<UsageRow[]> {
  const values = needValues(needs);
  const read = call(READ_USAGE, { ...values, also_ids: [], skip_ids: [] });
  const parse = (rows: any[]) => ({
    rows: rows.filter((r) => r.quotaId !== null).map((r) => toRow({ ...r, usageId: r.usageId ?? "" })),
    missing: rows[0]?.missing ?? 0,
  });
  const [, first] = await inOwnTransaction(pool, (c) => send(c, [GENERIC_BEGIN, read, "COMMIT"]));
  const found = parse(first.rows);
  if (found.missing === 0) return found.rows;
  // A period's first status read (or a new quota): create its rows, then read again.
  const [, , again] = await inOwnTransaction(pool, (c) => send(c, [GENERIC_BEGIN, call(ENSURE_SHARED_USAGE, values), read, "COMMIT"]));
  return parse(again.rows).rows;
}

export interface UsageDelta {
  usageId: string;
  reservedDelta: Money;
  spentDelta: Money;
  notified: number[];
  /** Denials this row refused (ADR 0014): how many, and the sum of their estimates. */
  deniedCount: number;
  deniedUsd: Money;
}

/** The delta parameters of the statements that write usage rows. */
export function usageValues(deltas: UsageDelta[]): Record<string, unknown> {
  return {
    usage_id: deltas.map((d) => d.usageId),
    reserved_delta: deltas.map((d) => toDb(d.reservedDelta)),
    spent_delta: deltas.map((d) => toDb(d.spentDelta)),
    notified: deltas.map((d) => `{${d.notified.join(",")}}`),
    denied_count: deltas.map((d) => d.deniedCount),
    denied_usd: deltas.map((d) => toDb(d.deniedUsd)),
  };
}
