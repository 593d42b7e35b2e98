// The analysis job's alerts: new anomaly findings and predicted quota breaches become
// AlertTriggers for the outbox (contract 1 of issue #7: alerts-core's enqueueAlerts).
import { money } from "~/core/money.ts";
import type { AlertTrigger } from "../alerts/outbox.server.ts";
import type { ForecastQuota, TenantResource } from "./inputs.server.ts";
import type { Severity } from "./robust.ts";

const RESOURCE = { llm: "LLM", sandbox: "sandbox", all: "total" } as const;
const PERIOD = { day: "daily", week: "weekly", month: "monthly" } as const;
const usd = (v: string | number) => `$${money(v).toFixed(2)}`;
const tenantLink = (slug: string | null) => (slug ? `/t/${slug}` : "/admin");

export function anomalyTrigger(
  finding: { id: string; day: string; hour: number | null; actual: number; expected: number; score: number; severity: Severity },
  key: TenantResource,
): AlertTrigger {
  const when = finding.hour === null ? finding.day : `${finding.day} ${String(finding.hour).padStart(2, "0")}:00–${String(finding.hour + 1).padStart(2, "0")}:00 UTC`;
  return {
    kind: "anomaly",
    tenantId: key.tenantId,
    dedupeKey: `anomaly:${finding.id}`,
    severity: finding.severity === "high" ? "critical" : finding.severity === "medium" ? "warning" : "info",
    summary: `${key.tenantName}: unusual ${RESOURCE[key.resource]} spend ${finding.hour === null ? "on" : "in"} ${when} (${usd(finding.actual)}, expected about ${usd(finding.expected)})`,
    facts: [
      { label: "Tenant", value: `${key.tenantName} (${key.tenantSlug})` },
      { label: "Resource", value: key.resource },
      { label: finding.hour === null ? "Day" : "Hour", value: when },
      { label: "Spend", value: usd(finding.actual) },
      { label: "Expected", value: usd(finding.expected) },
      { label: "Score", value: `${finding.score.toFixed(1)} (${finding.severity})` },
    ],
    link: tenantLink(key.tenantSlug),
    resource: key.resource,
  };
}

export function forecastTrigger(
  quota: ForecastQuota,
  f: { periodStart: Date; spentUsd: string; forecastUsd: string; breachAt: Date },
): AlertTrigger {
  const who = quota.scope === "platform" ? "Platform" : quota.scope === "user" ? `${quota.tenantName}, user ${quota.scopeId}` : quota.tenantName!;
  const name = `${RESOURCE[quota.resource]} ${PERIOD[quota.period]} quota`;
  const at = f.breachAt.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  return {
    kind: "forecast_breach",
    tenantId: quota.tenantId,
    dedupeKey: `forecast:${quota.id}:${f.periodStart.toISOString()}`,
    severity: "warning",
    summary: `${who}: ${name} forecast to reach its limit at ${at} (${usd(f.forecastUsd)} projected of ${usd(quota.limitUsd)})`,
    facts: [
      { label: "Scope", value: who },
      { label: "Quota", value: name },
      { label: "Spent so far", value: `${usd(f.spentUsd)} of ${usd(quota.limitUsd)}` },
      { label: "Projected period end", value: usd(f.forecastUsd) },
      { label: "Predicted breach", value: at },
      { label: "Period", value: `from ${f.periodStart.toISOString().slice(0, 10)}` },
    ],
    link: tenantLink(quota.tenantSlug),
    resource: quota.resource,
  };
}
