// Tunes each demo tenant's tenant-scope monthly quotas (created by the trigger from the
// templates) to its generated spend, so the demo looks like a real book of customers: most
// tenants comfortably under their limits this month, a few close to them.
import { Money, money } from "../../app/core/money.ts";
import type { Sql } from "./bulk.ts";
import { DEMO_TENANTS, type DemoTenant } from "./catalog.ts";

/** Normal tenants stay at or below this share of every monthly limit. */
const NORMAL_CEILING = new Money("0.55");
/** Headroom over the trailing 30 days, so a normal month does not approach the limit either. */
const HEADROOM = new Money("1.7");
const FLOOR = new Money(20);
/** Utilization this month of the tenants that are "near the limit" (80–99%). */
const NEAR_TARGETS = [new Money("0.92"), new Money("0.86"), new Money("0.9")];
/**
 * In the first days of a month the month-to-date spend is tiny, and a limit at 90% of it would
 * be absurd (a $0.40 monthly budget); until it reaches this share of a typical month, every
 * tenant gets a normal limit.
 */
const NEAR_MIN_MONTH_SHARE = new Money("0.15");

/** The breaching tenant's LLM limit: spent so far + this share of the pace's remaining spend. */
const BREACH_SHARE_OF_REST = new Money("0.6");

interface Spend {
  monthToDate: Money;
  last30Days: Money;
  /** Complete days before today's: the pace of the breach-llm tenant. */
  last14Days: Money;
  today: Money;
}

/** Rounds up to two significant digits of whole dollars: 137.2 → 140, 1234 → 1300. */
export function niceCeil(x: Money): Money {
  const whole = x.ceil();
  const digits = whole.toFixed(0).length;
  const step = new Money(10).pow(Math.max(0, digits - 2));
  return whole.div(step).ceil().mul(step);
}

function normalLimit(s: Spend): Money {
  return niceCeil(Money.max(s.last30Days.mul(HEADROOM), s.monthToDate.div(NORMAL_CEILING), FLOOR));
}

/** A limit that puts month-to-date spend at about `target`: whole dollars, or cents for small sums. */
function nearLimit(s: Spend, target: Money): Money {
  const exact = s.monthToDate.div(target);
  return s.monthToDate.gte(50) ? exact.ceil() : exact.toDecimalPlaces(2, Money.ROUND_UP);
}

export async function tuneTenantQuotas(sql: Sql, now: Date, tenantIds: Map<string, string>): Promise<number> {
  const rows = await sql.$queryRawUnsafe<{ tenant_id: string; resource: string; mtd: string; last30: string; last14: string; today: string }[]>(
    `SELECT tenant_id::text, resource::text,
            coalesce(sum(cost_usd) FILTER (WHERE occurred_at >= date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), 0)::text AS mtd,
            coalesce(sum(cost_usd) FILTER (WHERE occurred_at > $1::timestamptz - interval '30 days'), 0)::text AS last30,
            coalesce(sum(cost_usd) FILTER (WHERE occurred_at >= date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '14 days'
                                             AND occurred_at < date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), 0)::text AS last14,
            coalesce(sum(cost_usd) FILTER (WHERE occurred_at >= date_trunc('day', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), 0)::text AS today
       FROM cost_records
      WHERE occurred_at > $1::timestamptz - interval '62 days'
      GROUP BY 1, 2`,
    now.toISOString(),
  );
  const spend = (tenantId: string, resource: "llm" | "sandbox" | "all"): Spend => {
    const matching = rows.filter((r) => r.tenant_id === tenantId && (resource === "all" || r.resource === resource));
    const total = (k: "mtd" | "last30" | "last14" | "today") => matching.reduce((s, r) => s.add(money(r[k])), new Money(0));
    return { monthToDate: total("mtd"), last30Days: total("last30"), last14Days: total("last14"), today: total("today") };
  };
  const msLeft = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime();
  const daysLeft = new Money(msLeft).div(86_400_000);
  let updated = 0;
  let nearIndex = 0;
  for (const tenant of DEMO_TENANTS) {
    const tenantId = tenantIds.get(tenant.slug);
    if (!tenantId) continue;
    const nearResource = nearResourceOf(tenant);
    for (const resource of ["llm", "sandbox", "all"] as const) {
      const s = spend(tenantId, resource);
      if (s.last30Days.isZero() && s.monthToDate.isZero()) continue; // no traffic: keep the template
      let limit = normalLimit(s);
      if (resource === nearResource) {
        const target = NEAR_TARGETS[nearIndex++ % NEAR_TARGETS.length];
        if (s.monthToDate.gt(s.last30Days.mul(NEAR_MIN_MONTH_SHARE))) limit = nearLimit(s, target);
        else if (s.today.gt(0)) updated += await nearDayQuota(sql, tenantId, resource, s.today.div(target).toDecimalPlaces(2, Money.ROUND_UP));
      }
      if (tenant.budget === "breach-llm" && resource === "llm") {
        // Under the limit today, over it at the pace of the last two weeks well before the month ends.
        limit = s.monthToDate.add(s.last14Days.div(14).mul(daysLeft).mul(BREACH_SHARE_OF_REST)).toDecimalPlaces(2, Money.ROUND_UP);
      }
      updated += await sql.$executeRawUnsafe(
        `UPDATE quotas SET limit_usd = $1::numeric, updated_at = now()
          WHERE scope = 'tenant' AND tenant_id = $2::uuid AND resource = $3::"ResourceType" AND period = 'month'`,
        limit.toFixed(2),
        tenantId,
        resource,
      );
    }
  }
  return updated;
}

/**
 * Early in a month: the near tenant's state on a day quota instead (soft, so the demo's own traffic
 * is never denied), today's spend at `limit`'s 80–99%.
 */
async function nearDayQuota(sql: Sql, tenantId: string, resource: "llm" | "sandbox", limit: Money): Promise<number> {
  return sql.$executeRawUnsafe(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, warning_thresholds, enforcement)
     VALUES ('tenant', $1, $2::uuid, $3::"ResourceType", 'day', $4::numeric, '{80,90}', 'soft')
     ON CONFLICT (scope, tenant_id, scope_id, resource, period) DO UPDATE SET limit_usd = EXCLUDED.limit_usd, updated_at = now()`,
    tenantId,
    tenantId,
    resource,
    limit.toFixed(2),
  );
}

function nearResourceOf(tenant: DemoTenant): "llm" | "sandbox" | null {
  if (tenant.budget === "near-llm") return "llm";
  if (tenant.budget === "near-sandbox") return "sandbox";
  return null;
}
