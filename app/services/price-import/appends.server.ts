// The database side both price imports share. Prices are only appended (pricing.server's
// closing rule), so the dry run checks each row against the latest stored price of its model
// or tier, and the import adds every row in ONE audited transaction: all rows or none.
import { TollgateError } from "~/core/index.ts";
import { auditedChange, type Actor, type AuditEntry, type Tx } from "../audit.server.ts";
import type { ImportIssue } from "./file.ts";

export interface PriceRow<P> {
  row: number;
  price: P;
}

/** The latest price of a key: when it starts and its rates as stored (or as the file gives them). */
export interface LatestPrice<R> {
  effectiveFrom: string;
  rates: R;
}

export interface PlannedAppend<P, R> extends PriceRow<P> {
  /** The price this row closes: a stored one or an earlier row of the file; null for a new key. */
  previous: LatestPrice<R> | null;
}

/** Rows in the order they take effect (the order the import adds them in). */
export const inEffectiveOrder = <P extends { effectiveFrom: string }>(rows: PriceRow<P>[]) =>
  [...rows].sort((a, b) => a.price.effectiveFrom.localeCompare(b.price.effectiveFrom) || a.row - b.row);

/**
 * Each row must start after the latest price of its key, whether stored or from an earlier row
 * of the file; one that does not is an issue on its `effective_from`. Planned rows come back
 * in row order.
 */
export function planAppends<P extends { effectiveFrom: string }, R>(
  rows: PriceRow<P>[],
  latest: Map<string, LatestPrice<R>>,
  describe: { keyOf: (p: P) => string; ratesOf: (p: P) => R; what: string },
): { planned: PlannedAppend<P, R>[]; issues: ImportIssue[] } {
  const planned: PlannedAppend<P, R>[] = [];
  const issues: ImportIssue[] = [];
  for (const { row, price } of inEffectiveOrder(rows)) {
    const key = describe.keyOf(price);
    const previous = latest.get(key) ?? null;
    if (previous && previous.effectiveFrom >= price.effectiveFrom) {
      issues.push({ row, column: "effective_from", message: `must be after ${previous.effectiveFrom}, when the latest ${describe.what} of ${key} starts` });
      continue;
    }
    planned.push({ row, price, previous });
    latest.set(key, { effectiveFrom: price.effectiveFrom, rates: describe.ratesOf(price) });
  }
  return { planned: planned.sort((a, b) => a.row - b.row), issues };
}

/**
 * Adds the previewed rows in effective order inside one transaction with `add` (the form's
 * own change, so the closing rule and audit entries are the same) plus one `<entity>.import`
 * entry. Any issue → invalid_request and nothing is written.
 */
export async function importInOneTransaction<P extends { effectiveFrom: string }>(
  actor: Actor,
  preview: { rows: PriceRow<P>[]; issues: ImportIssue[] },
  add: (tx: Tx, price: P) => Promise<{ audit: AuditEntry[] }>,
  entity: { type: "llm_price" | "sandbox_price"; conflict: string },
): Promise<{ imported: number }> {
  if (preview.issues.length) {
    throw new TollgateError(
      "invalid_request",
      `The file has ${preview.issues.length} error(s); nothing was imported.`,
      preview.issues.map((i) => ({ path: `row ${i.row}.${i.column}`, message: i.message })),
    );
  }
  const ordered = inEffectiveOrder(preview.rows);
  return auditedChange(
    actor,
    async (tx) => {
      const audit: AuditEntry[] = [];
      for (const { price } of ordered) audit.push(...(await add(tx, price)).audit);
      audit.push({ action: `${entity.type}.import`, entityType: entity.type, entityId: null, tenantId: null, before: null, after: { rows: ordered.length } });
      return { result: { imported: ordered.length }, audit };
    },
    { conflict: entity.conflict },
  );
}
