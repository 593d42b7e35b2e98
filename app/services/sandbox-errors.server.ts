// Sandbox errors by lifecycle stage (SPEC §3 SandboxErrorEvent) over a UTC date range: counts
// per stage in lifecycle order, a daily trend, and the most recent events, optionally for one
// tenant and (trend and list) one stage.
import type pg from "pg";
import { z } from "zod";
import { safeText } from "~/schemas/text.ts";
import { SANDBOX_STAGES } from "~/core/index.ts";
import { readPool } from "~/db/client.server.ts";

export { SANDBOX_STAGES };
export type SandboxStage = (typeof SANDBOX_STAGES)[number];

/** How many recent sandbox errors the page lists. */
export const RECENT_LIMIT = 100;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

const blank = (v: unknown) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim()) : v);

const Filters = z.object({
  from: z.preprocess(blank, z.iso.date("Use a date like 2026-11-01.").optional()),
  to: z.preprocess(blank, z.iso.date("Use a date like 2026-11-01.").optional()),
  stage: z.preprocess(blank, z.enum(SANDBOX_STAGES, "Unknown stage.").optional()),
  tenant: z.preprocess(blank, safeText().max(100).optional()),
});

export interface SandboxErrorQuery {
  from: string;
  to: string;
  stage?: SandboxStage;
  /** Tenant slug. */
  tenant?: string;
}

/** The page's URL as a query; a bad or missing range falls back to the last 30 days. */
export function parseSandboxErrorQuery(params: URLSearchParams, now = new Date()) {
  const issues: string[] = [];
  const raw = Object.fromEntries(params);
  const parsed = Filters.safeParse(raw);
  let f: z.infer<typeof Filters> = parsed.success ? parsed.data : {};
  if (!parsed.success) {
    // Drop only the fields that failed, keeping the rest of the person's filters.
    issues.push(...parsed.error.issues.map((i) => i.message));
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    f = Filters.safeParse(Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k)))).data ?? {};
  }
  const today = isoDay(now);
  let from = f.from ?? isoDay(new Date(now.getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
  let to = f.to ?? today;
  const span = (Date.parse(to) - Date.parse(from)) / DAY_MS;
  if (span < 0 || span >= MAX_DAYS) {
    issues.push(span < 0 ? "“To” must not be before “From”." : `Choose at most ${MAX_DAYS} days.`);
    from = isoDay(new Date(now.getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
    to = today;
  }
  const query: SandboxErrorQuery = { from, to, stage: f.stage, tenant: f.tenant };
  return { query, issues };
}

export interface SandboxErrorReport {
  total: number;
  byStage: { stage: SandboxStage; count: number }[];
  daily: { day: string; count: number }[];
  recent: { id: string; tenantSlug: string; stage: SandboxStage; errorType: string; operation: string; message: string; occurredAt: string }[];
}

/** A report: from the read replica by default (ADR 0013). */
export async function getSandboxErrorReport(q: SandboxErrorQuery, pool: pg.Pool = readPool()): Promise<SandboxErrorReport> {
  const args: unknown[] = [q.from, q.to];
  const range = `e.occurred_at >= $1::date::timestamp AT TIME ZONE 'UTC' AND e.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`;
  const tenant = q.tenant ? ` AND t.slug = $${args.push(q.tenant)}` : "";
  const base = `FROM sandbox_error_events e JOIN tenants t ON t.id = e.tenant_id WHERE ${range}${tenant}`;
  // The stage chart shows every stage (the stage filter narrows trend and list only), so a
  // person filtering to one stage still sees where it sits among the others.
  const stageArgs = [...args];
  const stage = q.stage ? ` AND e.stage = $${stageArgs.push(q.stage)}::"SandboxStage"` : "";
  const [stages, daily, recent] = await Promise.all([
    pool.query(`SELECT e.stage::text AS stage, count(*)::int AS count ${base} GROUP BY 1`, args),
    pool.query(
      `SELECT d::date::text AS day, COALESCE(c.count, 0)::int AS count
         FROM generate_series($1::date, $2::date, interval '1 day') d
         LEFT JOIN (SELECT (e.occurred_at AT TIME ZONE 'UTC')::date AS day, count(*) AS count ${base}${stage} GROUP BY 1) c
           ON c.day = d::date
        ORDER BY 1`,
      stageArgs,
    ),
    pool.query(
      `SELECT e.id::text AS id, t.slug AS "tenantSlug", e.stage::text AS stage, e.error_type AS "errorType",
              e.operation, e.message, e.occurred_at AS "occurredAt"
         ${base}${stage} ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${RECENT_LIMIT}`,
      stageArgs,
    ),
  ]);
  const counts = new Map(stages.rows.map((r) => [r.stage as SandboxStage, r.count as number]));
  const byStage = SANDBOX_STAGES.map((s) => ({ stage: s, count: counts.get(s) ?? 0 }));
  return {
    total: byStage.reduce((sum, s) => sum + s.count, 0),
    byStage,
    daily: daily.rows,
    recent: recent.rows.map((r) => ({ ...r, occurredAt: (r.occurredAt as Date).toISOString() })),
  };
}
