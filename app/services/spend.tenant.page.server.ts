// One tenant's spend for the tenant page: over time (by day or ISO week, stacked by resource),
// and broken down by model, by user and by touchpoint, for a date range; plus today and this
// month. Everything comes from spend_breakdowns (the tenant's daily spend by model, user and
// touchpoint, kept exact by the trigger on spend_rollups) in ONE grouped scan (GROUPING SETS),
// never from cost_records, so the page costs the same at any ledger size, and not from the
// rollups' full user × model × touchpoint cross-product (ADR 0007: 59 k rows for the largest
// bench tenant over 90 days, 9 k here). Money stays exact decimal text.
import { money, toDb, type Money } from "~/core/money.ts";
import { readPool } from "~/db/client.server.ts";
import { withTenantScope } from "~/db/transaction.server.ts";
import { parseSpendRange, type FieldIssue, type SpendGrain, type SpendRange } from "~/schemas/records.ts";
import { periodBounds } from "~/core/periods.ts";
import { spendSummary } from "./spend.page.server.ts";
import { listCostRecords, type CostRecordRow } from "./records.server.ts";
import { tollgate } from "./tollgate.server.ts";

export interface SpendBucket {
  /** First day of the bucket (the day, or the Monday of the ISO week), YYYY-MM-DD. */
  start: string;
  llmUsd: string;
  sandboxUsd: string;
}

export interface SpendSlice {
  /** The grouping value (model "provider/model", user id, touchpoint id); null for the rest. */
  key: string | null;
  label: string;
  /** The model breakdown separates LLM models from sandbox usage. */
  resource: "llm" | "sandbox" | null;
  costUsd: string;
  records: number;
  /** For the "other" slice: how many groups it folds together. */
  folded?: number;
}

export interface TenantSpend {
  range: SpendRange;
  /** Today (UTC) when the figures were read. */
  asOf: string;
  totalUsd: string;
  llmUsd: string;
  sandboxUsd: string;
  records: number;
  todayUsd: string;
  monthUsd: string;
  series: SpendBucket[];
  byModel: SpendSlice[];
  byUser: SpendSlice[];
  byTouchpoint: SpendSlice[];
}

/** Slices shown per breakdown; the rest are folded into one "other" slice so totals still add up. */
export const TOP_SLICES = 10;
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// Every rollup row is in each dimension exactly once, so each dimension alone sums to the range's
// spend: the series, the resource split and the total come from the model rows. grouping(...)
// has a bit set for each column aggregated away, so each grouping set has its own value.
const SET = { series: 0b0001, byResourceAndKey: 0b0100, byKey: 0b0110, resource: 0b0101, total: 0b0111 } as const;

const SPEND_SQL = `
SELECT dimension::text AS dimension, grouping(dimension, bucket, resource, key) AS g,
       bucket::text AS bucket, resource::text AS resource, key,
       sum(cost_usd)::text AS cost, sum(records)::bigint::text AS records
  FROM (SELECT dimension, date_trunc($4, day::timestamp)::date AS bucket, resource, key, cost_usd, records
          FROM spend_breakdowns
         WHERE tenant_id = $1::uuid AND day >= $2::date AND day <= $3::date) r
 GROUP BY GROUPING SETS ((dimension, bucket, resource), (dimension, resource, key), (dimension, key),
                         (dimension, resource), (dimension))`;

export async function getTenantSpend(tenantId: string, range: SpendRange, now = new Date()): Promise<TenantSpend> {
  const bounds = periodBounds(now);
  // Defence in depth: read as the row-level-security role scoped to this tenant; on the replica
  // (a report: may be stale by its replay lag, ADR 0013).
  const { rows, summary } = await withTenantScope(
    tenantId,
    async (tx) => ({
      rows: (await tx.query(SPEND_SQL, [tenantId, range.from, range.to, range.grain])).rows,
      summary: await spendSummary(tx, bounds, tenantId),
    }),
    { pool: readPool() },
  );

  const of = (dimension: "model" | "user" | "touchpoint", set: number) => rows.filter((r) => r.dimension === dimension && r.g === set);
  const byResource = new Map(of("model", SET.resource).map((r) => [r.resource, r.cost as string]));
  const total = of("model", SET.total)[0];
  return {
    range,
    asOf: bounds.day.start,
    totalUsd: total?.cost ?? "0",
    llmUsd: byResource.get("llm") ?? "0",
    sandboxUsd: byResource.get("sandbox") ?? "0",
    records: Number(total?.records ?? 0),
    todayUsd: summary.todayUsd,
    monthUsd: summary.monthUsd,
    series: fillSeries(range, of("model", SET.series)),
    byModel: topSlices(
      of("model", SET.byResourceAndKey).map((r) => ({
        key: r.key || null,
        label: r.resource === "sandbox" ? "Sandbox" : r.key || "(model not reported)",
        resource: r.resource,
        cost: r.cost,
        records: r.records,
      })),
      "models",
    ),
    byUser: topSlices(
      of("user", SET.byKey).map((r) => ({ key: r.key || null, label: r.key || "(no user id)", resource: null, cost: r.cost, records: r.records })),
      "users",
    ),
    byTouchpoint: topSlices(
      of("touchpoint", SET.byKey).map((r) => ({
        key: r.key || null,
        label: r.key || "(no touchpoint)",
        resource: null,
        cost: r.cost,
        records: r.records,
      })),
      "touchpoints",
    ),
  };
}

/** Monday of the ISO week containing `day`. */
function weekStart(ms: number): number {
  const weekday = (new Date(ms).getUTCDay() + 6) % 7;
  return ms - weekday * DAY_MS;
}

/** Every bucket of the range, zeros where nothing was spent, oldest first. */
function fillSeries(range: SpendRange, rows: any[]): SpendBucket[] {
  const step = range.grain === "week" ? 7 * DAY_MS : DAY_MS;
  const first = bucketStart(Date.parse(`${range.from}T00:00:00Z`), range.grain);
  const last = Date.parse(`${range.to}T00:00:00Z`);
  const buckets = new Map<string, SpendBucket>();
  for (let ms = first; ms <= last; ms += step) {
    const start = isoDay(ms);
    buckets.set(start, { start, llmUsd: "0", sandboxUsd: "0" });
  }
  for (const r of rows) {
    const b = buckets.get(r.bucket);
    if (!b) continue;
    if (r.resource === "llm") b.llmUsd = r.cost;
    else if (r.resource === "sandbox") b.sandboxUsd = r.cost;
  }
  return [...buckets.values()];
}

function bucketStart(ms: number, grain: SpendGrain) {
  return grain === "week" ? weekStart(ms) : ms;
}

type RawSlice = { key: string | null; label: string; resource: "llm" | "sandbox" | null; cost: string; records: string };

/** Largest first (ties by label); past TOP_SLICES the rest become one "N other …" slice. */
function topSlices(raw: RawSlice[], noun: string): SpendSlice[] {
  const sorted = raw
    .map((r) => ({ ...r, amount: money(r.cost) }))
    .sort((a, b) => b.amount.comparedTo(a.amount) || a.label.localeCompare(b.label));
  const shown: SpendSlice[] = sorted.slice(0, TOP_SLICES).map((r) => ({
    key: r.key,
    label: r.label,
    resource: r.resource,
    costUsd: r.cost,
    records: Number(r.records),
  }));
  const rest = sorted.slice(TOP_SLICES);
  if (rest.length) {
    const cost = rest.reduce<Money>((sum, r) => sum.add(r.amount), money(0));
    shown.push({
      key: null,
      label: `${rest.length} other ${noun}`,
      resource: null,
      costUsd: toDb(cost),
      records: rest.reduce((n, r) => n + Number(r.records), 0),
      folded: rest.length,
    });
  }
  return shown;
}

export interface TenantQuotaCard {
  id: string;
  resource: "llm" | "sandbox" | "all";
  period: "day" | "week" | "month";
  limitUsd: string;
  spentUsd: string;
  reservedUsd: string;
  remainingUsd: string;
  /** (spent + held) / limit × 100; may pass 100 (costs are recorded even past a limit). */
  utilizationPercent: number;
  /** ISO timestamp of the next period start. */
  resetsAt: string;
  enforcement: "hard" | "soft";
}

export interface TenantDetail {
  range: SpendRange;
  rangeIssues: FieldIssue[];
  spend: TenantSpend;
  quotas: TenantQuotaCard[];
  recent: CostRecordRow[];
}

const QUOTA_ORDER = { day: 0, week: 1, month: 2, llm: 0, sandbox: 1, all: 2 } as const;

/**
 * Everything on the tenant page: the spend figures for the range in the URL (from the
 * rollups), the tenant's quotas as the enforcement core sees them now (spent and held in the
 * current period, reset time), and the 10 newest cost records. Spend and records come from the
 * read replica (ADR 0013); the quotas from the core's own pool on the primary, so "remaining"
 * is what the next reserve will be decided against.
 */
export async function getTenantDetail(tenantId: string, params: URLSearchParams, now = new Date()): Promise<TenantDetail> {
  const { range, issues } = parseSpendRange(params, now);
  const [spend, status, recent] = await Promise.all([
    getTenantSpend(tenantId, range, now),
    tollgate().quotaStatus({ tenantId }),
    listCostRecords({ kind: "tenant", tenantId }, { filters: {}, sort: "time_desc" }, 10),
  ]);
  const quotas = status
    // Platform-wide quotas are not the tenant's to see; user quotas need a user (not asked for).
    .filter((q) => q.scope === "tenant")
    .map((q) => ({
      id: q.quotaId,
      resource: q.resourceType,
      period: q.period,
      limitUsd: toDb(q.limitUsd),
      spentUsd: toDb(q.spentUsd),
      reservedUsd: toDb(q.reservedUsd),
      remainingUsd: toDb(q.remainingUsd),
      utilizationPercent: q.utilizationPercent,
      resetsAt: q.resetsAt.toISOString(),
      enforcement: q.enforcement,
    }))
    .sort((a, b) => QUOTA_ORDER[a.period] - QUOTA_ORDER[b.period] || QUOTA_ORDER[a.resource] - QUOTA_ORDER[b.resource]);
  return { range, rangeIssues: issues, spend, quotas, recent: recent.rows };
}
