// The core's quota hooks → outbox rows. Runs inside the deciding transaction (the core calls
// the hook with that transaction's query function), so the tenant lookup and the insert see
// exactly what the decision saw and commit with it.
import { money, periodEnd, type Hooks, type Money, type QuotaEvent, type TxQuery } from "~/core/index.ts";
import { enqueueAlerts, type AlertTrigger } from "./outbox.server.ts";

const RESOURCE_LABEL = { llm: "LLM", sandbox: "Sandbox", all: "Total" } as const;
const PERIOD_LABEL = { day: "daily", week: "weekly", month: "monthly" } as const;

export function formatUsd(v: Money): string {
  const [whole, cents] = v.toDecimalPlaces(2).toFixed(2).split(".");
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export async function quotaTrigger(q: TxQuery, e: QuotaEvent): Promise<AlertTrigger> {
  const tenant = e.tenantId
    ? ((await q(`SELECT slug, name FROM tenants WHERE id = $1`, [e.tenantId])).rows[0] as { slug: string; name: string } | undefined)
    : undefined;
  const who = tenant?.name ?? (e.scope === "platform" ? "Platform" : "Unknown tenant");
  // A per-user default (ADR 0016) fires per end user: the event's scopeId is the user.
  const perUser = e.scope === "user" || e.scope === "each_user";
  const userPart = perUser ? ` user ${e.scopeId}` : "";
  const quotaName = `${RESOURCE_LABEL[e.resourceType]} ${PERIOD_LABEL[e.period]} ${e.scope === "each_user" ? "default user cap" : "quota"}`;
  const used = money(e.spentUsd).add(e.reservedUsd);
  const spendVsLimit = `${formatUsd(used)} of ${formatUsd(e.limitUsd)}`;
  const exceeded = e.kind === "exceeded";
  const summary = exceeded
    ? `${who}:${userPart} ${quotaName} exceeded — ${spendVsLimit} used (${e.utilizationPercent}%), further spend is ${e.scope === "platform" ? "limited" : "denied"} until the period resets`
    : `${who}:${userPart} ${quotaName} at ${e.utilizationPercent}% (${spendVsLimit})`;
  const resets = periodEnd(e.period, e.periodStart);
  const facts = [
    { label: "Tenant", value: tenant ? `${tenant.name} (${tenant.slug})` : who },
    ...(perUser ? [{ label: "End user", value: String(e.scopeId) }] : []),
    { label: "Quota", value: `${e.scope} · ${RESOURCE_LABEL[e.resourceType]} · ${PERIOD_LABEL[e.period]}` },
    { label: "Spend vs limit", value: `${spendVsLimit} (${e.utilizationPercent}%)` },
    { label: "Spent / held", value: `${formatUsd(money(e.spentUsd))} spent, ${formatUsd(money(e.reservedUsd))} held by open reservations` },
    { label: exceeded ? "Limit" : "Threshold", value: exceeded ? "100% reached" : `${e.thresholdPercent}% crossed` },
    { label: "Period", value: `${day(e.periodStart)} to ${day(new Date(resets.getTime() - 1))} (resets ${resets.toISOString().slice(0, 16).replace("T", " ")} UTC)` },
  ];
  return {
    kind: exceeded ? "quota_exceeded" : "quota_threshold",
    tenantId: e.tenantId,
    // Once per (quota, period, threshold) — and per end user for a per-user default.
    dedupeKey: `quota:${e.quotaId}:${e.periodStart.toISOString()}:${e.thresholdPercent}${e.scope === "each_user" ? `:user:${e.tenantId}:${e.scopeId}` : ""}`,
    severity: exceeded ? "critical" : "warning",
    summary,
    facts,
    link: tenant ? `/t/${tenant.slug}` : "/quotas",
    resource: e.resourceType,
    thresholdPercent: e.thresholdPercent,
    resolveAt: resets.toISOString(),
  };
}

/** Wired into the app's core (tollgate.server.ts); tests pass it to their own createTollgate. */
export const alertHooks: Required<Hooks> = {
  async onQuotaWarning(e, q) {
    await enqueueAlerts(q, await quotaTrigger(q, e));
  },
  async onQuotaExceeded(e, q) {
    await enqueueAlerts(q, await quotaTrigger(q, e));
  },
};
