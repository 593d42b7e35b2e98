// The cost-records explorer as the panel shows it: the URL validated into filters, a page of
// records (records.server.ts) and the filter form's suggestions. Reads are on readPool(), like
// the records themselves (ADR 0013).
import { readPool } from "~/db/client.server.ts";
import { parseRecordsQuery, rawFilterValues, type FieldIssue, type RecordFilters, type RecordSort } from "~/schemas/records.ts";
import { listCostRecords, type RecordScope, type RecordsPage } from "./records.server.ts";
import { tenantOptions } from "./tenants.server.ts";

export interface ExplorerOptions {
  /** Every tenant (staff explorer only; empty for a tenant's own explorer). */
  tenants: { slug: string; name: string }[];
  models: string[];
  touchpoints: string[];
}

/** Suggestions for the filter form: reference data only, never a scan of the ledger. */
export async function explorerOptions(scope: RecordScope): Promise<ExplorerOptions> {
  const pool = readPool();
  const [tenants, models, touchpoints] = await Promise.all([
    scope.kind === "all" ? tenantOptions(pool) : [],
    pool.query(`SELECT DISTINCT model FROM llm_prices ORDER BY model`),
    pool.query(`SELECT id FROM touchpoints ORDER BY id`),
  ]);
  return {
    tenants: tenants.map((r) => ({ slug: r.slug, name: r.name })),
    models: models.rows.map((r) => r.model),
    touchpoints: touchpoints.rows.map((r) => r.id),
  };
}

/** Everything the explorer page renders (see app/components/records/records-explorer.tsx). */
export interface ExplorerData {
  basePath: string;
  showTenant: boolean;
  /** The raw URL values, to refill the form (also after a rejected URL). */
  values: Record<string, string>;
  issues: FieldIssue[];
  /** The validated query; null when the URL was rejected. `paged`: a cursor is in use. */
  query: { filters: RecordFilters; sort: RecordSort; paged: boolean } | null;
  page: RecordsPage | null;
  options: ExplorerOptions;
}

/**
 * The explorer for a URL: validates it, reads the page and the form's suggestions. A rejected
 * URL is not an exception: the page shows what was wrong (status 400) next to the form.
 */
export async function loadExplorer(
  scope: RecordScope,
  params: URLSearchParams,
  basePath: string,
): Promise<{ status: 200 | 400; data: ExplorerData }> {
  const showTenant = scope.kind === "all";
  const parsed = parseRecordsQuery(params, { fixedTenant: !showTenant });
  const values = rawFilterValues(params);
  if (!showTenant) values.tenant = "";
  const options = explorerOptions(scope);
  if (!parsed.ok) {
    return { status: 400, data: { basePath, showTenant, values, issues: parsed.issues, query: null, page: null, options: await options } };
  }
  const { filters, sort } = parsed.query;
  const [page, opts] = await Promise.all([listCostRecords(scope, parsed.query), options]);
  const paged = Boolean(parsed.query.after || parsed.query.before);
  return { status: 200, data: { basePath, showTenant, values, issues: [], query: { filters, sort, paged }, page, options: opts } };
}
