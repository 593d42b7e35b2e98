// Demo denials (ADR 0014): a few end users who keep hitting their caps, so the panel's "denied
// today", quota cards, denials chart and "who hit a cap" table show something from the start.
// Written to denials_daily for the last 30 days (today up to `now`), and the current period's
// usage rows get the counts of their period's denials, as the core would have left them.
import { Money } from "../../app/core/money.ts";
import { bulkInsert, type Sql } from "./bulk.ts";
import { DEMO_USER_CAP } from "./catalog.ts";
import { Random } from "./random.ts";

interface Denier {
  tenant: string;
  /** The quota that refuses: a user quota of the first user, the tenant's monthly LLM quota, or its default per end user. */
  quota:
    | { scope: "user"; userId: string; resource: "llm" | "sandbox" | "all"; period: "day" | "week" | "month" }
    | { scope: "tenant"; resource: "llm"; period: "month" }
    | { scope: "each_user"; resource: "llm"; period: "day" };
  users: string[];
  /** Most denials a day, and the share of days with any. */
  maxPerDay: number;
  daysWithAny: number;
  /** Estimate range of one denied request, USD. */
  usd: [number, number];
}

export const DEMO_DENIERS: Denier[] = [
  { tenant: "acme", quota: { scope: "user", userId: "u-acme-1", resource: "llm", period: "day" }, users: ["u-acme-1"], maxPerDay: 9, daysWithAny: 0.7, usd: [0.05, 1.8] },
  { tenant: "acme", quota: { scope: "tenant", resource: "llm", period: "month" }, users: ["u-acme-4", "u-acme-7", "u-acme-12"], maxPerDay: 4, daysWithAny: 0.25, usd: [0.2, 3.5] },
  { tenant: "globex", quota: { scope: "user", userId: "u-globex-1", resource: "all", period: "month" }, users: ["u-globex-1"], maxPerDay: 5, daysWithAny: 0.35, usd: [0.1, 2.4] },
  // acme's default per end user (user-caps.ts): the user who reached it today, refused since (today only: first seen today).
  { tenant: DEMO_USER_CAP.tenant, quota: { scope: "each_user", resource: DEMO_USER_CAP.resource, period: DEMO_USER_CAP.period }, users: [DEMO_USER_CAP.hit.userId], maxPerDay: 4, daysWithAny: 0, usd: [0.25, 0.25] },
];

const DAYS = 30;
const DAY_MS = 86_400_000;

/** capReachedAt: when the default's hit user reached it (epoch ms): their denials are later. */
export async function seedDenials(sql: Sql, now: Date, tenantIds: Map<string, string>, opts: { capReachedAt?: number } = {}): Promise<number> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const rows: (string | number)[][] = [];
  for (const d of DEMO_DENIERS) {
    const tenantId = tenantIds.get(d.tenant);
    if (!tenantId) continue;
    const q = d.quota;
    const found = await sql.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id FROM quotas WHERE tenant_id = $1::uuid AND scope = $2::"QuotaScope" AND resource = $3::"ResourceType" AND period = $4::"QuotaPeriod"
          AND ($5::text IS NULL OR scope_id = $5::text) LIMIT 1`,
      tenantId, q.scope, q.resource, q.period, q.scope === "user" ? q.userId : null,
    );
    if (!found[0]) continue;
    const rng = new Random(`denials:${d.tenant}:${q.scope}:${q.resource}:${q.period}`);
    for (let i = DAYS - 1; i >= 0; i--) {
      const day = today - i * DAY_MS;
      // Today always has some, so "denied today" has something to show.
      if (i > 0 && rng.next() >= d.daysWithAny) continue;
      for (const user of d.users) {
        const n = 1 + Math.floor(rng.next() * d.maxPerDay);
        let usd = new Money(0);
        for (let k = 0; k < n; k++) usd = usd.add(new Money(rng.between(d.usd[0], d.usd[1]).toFixed(2)));
        const from = q.scope === "each_user" ? Math.max(day, opts.capReachedAt ?? day) : day;
        const latest = i === 0 ? Math.max(from, now.getTime() - Math.floor(rng.next() * (now.getTime() - from))) : day + Math.floor(rng.next() * DAY_MS);
        rows.push([tenantId, new Date(day).toISOString().slice(0, 10), found[0].id, user, n, usd.toFixed(10), new Date(latest).toISOString()]);
      }
    }
  }
  const n = await bulkInsert(
    sql,
    "denials_daily",
    [["tenant_id", "uuid"], ["day", "date"], ["quota_id", "uuid"], ["user_id", "text"], ["denied_count", "int"], ["denied_usd", "numeric"], ["last_denied_at", "timestamptz"]],
    rows,
    "ON CONFLICT DO NOTHING",
  );
  // The usage rows of the current periods count their period's denials; a per-user row only its own user's.
  await sql.$executeRawUnsafe(
    `UPDATE quota_usage u SET denied_count = s.count, denied_usd = s.usd
       FROM (SELECT u2.id, sum(d.denied_count)::int AS count, sum(d.denied_usd) AS usd
               FROM quota_usage u2 JOIN quotas q ON q.id = u2.quota_id
               JOIN denials_daily d ON d.quota_id = q.id
                AND d.day >= (u2.period_start AT TIME ZONE 'UTC')::date
                AND d.day < ((u2.period_start AT TIME ZONE 'UTC') + ('1 ' || q.period::text)::interval)::date
                AND (u2.subject = '' OR (d.tenant_id = u2.subject_tenant_id AND d.user_id = u2.subject))
              GROUP BY u2.id) s
      WHERE u.id = s.id`,
  );
  return n;
}
