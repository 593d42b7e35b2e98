// Daily spend of a quota's scope (platform, tenant or one end user; llm, sandbox or all) from
// the rollups: what the forecast extrapolates and what its chart draws as "actual to date".
import type pg from "pg";
import { periodEnd, periodStart, type Period } from "~/core/index.ts";

export type Queryable = Pick<pg.Pool, "query">;

export interface QuotaScope {
  scope: "platform" | "tenant" | "user";
  scopeId: string | null;
  tenantId: string | null;
  resource: "llm" | "sandbox" | "all";
}

export interface DailySpend {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** NUMERIC text (exact). */
  usd: string;
}

const DAY_MS = 86_400_000;
export const isoDay = (d: Date | number) => new Date(d).toISOString().slice(0, 10);

/** Days in [from, to) with spend, oldest first (days without spend are absent). */
export async function quotaDailySpend(q: Queryable, quota: QuotaScope, from: Date, to: Date): Promise<DailySpend[]> {
  const { rows } = await q.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(cost_usd)::text AS usd
       FROM spend_rollups
      WHERE day >= $1::date AND day < $2::date
        AND ($3::uuid IS NULL OR tenant_id = $3::uuid)
        AND ($4::text IS NULL OR user_id = $4::text)
        AND ($5::text = 'all' OR resource::text = $5::text)
      GROUP BY day ORDER BY day`,
    [isoDay(from), isoDay(to), quota.scope === "platform" ? null : quota.tenantId, quota.scope === "user" ? quota.scopeId : null, quota.resource],
  );
  return rows;
}

/** Fills the days of [from, to) that have no spend with "0", so series are consecutive. */
export function denseDays(rows: DailySpend[], from: Date, to: Date): DailySpend[] {
  const byDay = new Map(rows.map((r) => [r.day, r.usd]));
  const out: DailySpend[] = [];
  for (let t = Date.parse(isoDay(from)); t < to.getTime(); t += DAY_MS) out.push({ day: isoDay(t), usd: byDay.get(isoDay(t)) ?? "0" });
  return out;
}

/**
 * A forecast's history: the complete days of [today − days, today) as numbers, from the rows
 * quotaDailySpend read (which may also hold today's partial day; it is not history).
 */
export function forecastHistory(rows: DailySpend[], today: Date, days: number): { day: string; usd: number }[] {
  const from = new Date(today.getTime() - days * DAY_MS);
  return denseDays(rows.filter((d) => d.day < isoDay(today)), from, today).map((d) => ({ day: d.day, usd: Number(d.usd) }));
}

/** The period of a quota that contains `now`. */
export function currentPeriod(period: Period, now: Date) {
  return { start: periodStart(period, now), end: periodEnd(period, now) };
}
