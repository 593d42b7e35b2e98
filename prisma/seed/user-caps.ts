// The demo's default cap per end user (ADR 0016, catalog.ts DEMO_USER_CAP): acme's `each_user`
// LLM day quota, and today's calls of the two end users who show its states — one at the limit
// (refused after it: seed/denials.ts counts those), one past the 80% warning. Their calls are
// history like any other (settled reservations, cost records, rollups), and the per-user usage
// rows are derived from the records by buildQuotaUsage, so reconcile() is clean.
import { money, type Money, toDb } from "../../app/core/money.ts";
import { llmCostUsd } from "../../app/core/pricing-math.ts";
import type { Sql } from "./bulk.ts";
import { DEMO_USER_CAP, DEMO_USER_QUOTAS, type ModelKey } from "./catalog.ts";
import { startOfUtcDay, type GeneratedCost } from "./history.ts";
import type { PriceBook } from "./price-book.ts";
import { Random } from "./random.ts";

const cap = DEMO_USER_CAP;
/** A generated user may spend at most this share of the limit today: only the two chosen ones reach the warning. */
const ORDINARY_CEILING = 0.75;

/** Users whose own quota replaces the tenant's default for the cap's resource and period. */
const overridden = new Set<string>(
  DEMO_USER_QUOTAS.filter((q) => q.tenant === cap.tenant && q.resource === cap.resource && q.period === cap.period).map((q) => q.userId),
);

/**
 * The limit for this history: DEMO_USER_CAP.limitUsd, or the smallest multiple of it that keeps
 * every generated user of the tenant (today, not overridden) under 75% of it.
 */
export function userCapLimit(costs: readonly GeneratedCost[], now: Date): Money {
  const today = startOfUtcDay(now.getTime());
  const spent = new Map<string, Money>();
  for (const c of costs) {
    if (c.tenant !== cap.tenant || c.resource !== cap.resource || c.occurredAt < today || overridden.has(c.userId)) continue;
    spent.set(c.userId, (spent.get(c.userId) ?? money(0)).add(c.costUsd));
  }
  const top = [...spent.values()].reduce((m, x) => (x.gt(m) ? x : m), money(0));
  let limit = money(cap.limitUsd);
  while (top.gt(limit.mul(ORDINARY_CEILING))) limit = limit.add(cap.limitUsd);
  return limit;
}

/**
 * Today's calls of the `hit` and `near` users: whole `call`s adding up to exactly their share of
 * `limit`, spread evenly over the day so far. Each reserved exactly what it cost (its reply used
 * the whole output budget), so none of the holds ever passed the hard limit.
 */
export function cappedUserCalls(opts: { now: Date; limit: Money; prices: PriceBook }): GeneratedCost[] {
  const now = opts.now.getTime();
  const today = startOfUtcDay(now);
  const rnd = new Random(`user-caps:${cap.tenant}`);
  const out: GeneratedCost[] = [];
  for (const who of [cap.hit, cap.near]) {
    const price = opts.prices.llmAt(cap.call.model as ModelKey, now);
    if (!price) throw new Error(`seed: no price for ${cap.call.model}`);
    const cachedInputTokens = price.cachedInputUsdPerMillion === null ? null : 0;
    const cost = llmCostUsd(price, { inputTokens: cap.call.inputTokens, outputTokens: cap.call.outputTokens });
    const target = opts.limit.mul(who.shareOfLimit);
    const n = target.div(cost);
    if (!n.isInteger()) throw new Error(`seed: ${toDb(target)} is not a whole number of ${toDb(cost)} calls`);
    const calls = n.toNumber();
    const conversationId = `conv_${rnd.hex(16)}`;
    const [provider, model] = cap.call.model.split("/");
    for (let k = 0; k < calls; k++) {
      const occurredAt = callTime(today, now, k, calls);
      out.push({
        tenant: cap.tenant, userId: who.userId, conversationId, taskId: null, touchpoint: "main-chat",
        resource: "llm", provider, model,
        inputTokens: cap.call.inputTokens, outputTokens: cap.call.outputTokens, cachedInputTokens,
        tier: null, billedDurationMs: null, activeDurationMs: null, sandboxTtlSeconds: null,
        costUsd: toDb(cost), llmPriceId: price.id, sandboxPriceId: null,
        reservation: { estimateUsd: toDb(cost), maxOutputTokens: cap.call.outputTokens, expectedSeconds: null },
        idempotencyKey: `seed-${cap.tenant}-cap-${who.userId}-${k + 1}`,
        startedAt: Math.max(today, occurredAt - 40_000), occurredAt,
      });
    }
  }
  return out;
}

/** The k-th of n calls of the day so far, evenly spread over it. */
const callTime = (today: number, now: number, k: number, n: number) => today + Math.floor(((k + 1) * (now - today)) / (n + 1));

/** The tenant's default cap itself (no-op when it exists). */
export async function seedUserCap(sql: Sql, tenantIds: Map<string, string>, limit: Money): Promise<number> {
  const tenantId = tenantIds.get(cap.tenant);
  if (!tenantId) return 0;
  return sql.$executeRawUnsafe(
    `INSERT INTO quotas (scope, scope_id, tenant_id, resource, period, limit_usd, warning_thresholds, enforcement)
     VALUES ('each_user', NULL, $1::uuid, $2::"ResourceType", $3::"QuotaPeriod", $4::numeric, $5::int[], $6::"Enforcement")
     ON CONFLICT DO NOTHING`,
    tenantId, cap.resource, cap.period, toDb(limit), [...cap.warningThresholds], cap.enforcement,
  );
}
