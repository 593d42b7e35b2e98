// The alert outbox (SPEC §8, ADR 0006). Whoever decides something alert-worthy calls
// enqueueAlerts with ITS OWN transaction's query function, so the alert commits or rolls back
// with the decision: no alert for a rolled-back reservation, no lost alert for a committed one.
// The worker (worker.server.ts) delivers the rows later; nothing here talks to the network.
import type { TxQuery } from "~/core/index.ts";
import { ruleParamsSchemas, SEVERITY_RANK, type AlertPayload, type RuleParams } from "~/schemas/alerts.ts";

export interface AlertTrigger {
  kind: "quota_threshold" | "quota_exceeded" | "anomaly" | "forecast_breach";
  tenantId: string | null;
  /** Same occurrence → same key: enqueuing it twice yields ONE event per channel. */
  dedupeKey: string;
  severity: "info" | "warning" | "critical";
  /** One line: "Acme: LLM monthly quota at 82% ($82.10 of $100.00)". */
  summary: string;
  facts: { label: string; value: string }[];
  /** Panel path, e.g. "/t/acme"; senders make it absolute with PUBLIC_URL. */
  link: string | null;
  resource?: "llm" | "sandbox" | "all";
  thresholdPercent?: number;
}

/** Does a rule's params admit this trigger? Absent params match everything; unreadable params match nothing. */
export function ruleMatches(kind: AlertTrigger["kind"], rawParams: unknown, trigger: AlertTrigger): boolean {
  const parsed = ruleParamsSchemas[kind].safeParse(rawParams ?? {});
  if (!parsed.success) return false;
  const p = parsed.data as RuleParams;
  if (p.resource && trigger.resource && p.resource !== trigger.resource) return false;
  if (p.thresholds?.length && trigger.thresholdPercent !== undefined && !p.thresholds.includes(trigger.thresholdPercent)) return false;
  if (p.minSeverity && SEVERITY_RANK[trigger.severity] < SEVERITY_RANK[p.minSeverity]) return false;
  return true;
}

/**
 * Inserts one pending alert_events row per channel with a matching enabled rule (platform-wide
 * channels and rules, plus those of the trigger's tenant). ON CONFLICT (channel_id, dedupe_key)
 * DO NOTHING makes a repeated trigger (a re-run, a concurrent crossing) a no-op.
 * Returns the number of rows inserted.
 */
export async function enqueueAlerts(q: TxQuery, trigger: AlertTrigger, now: Date = new Date()): Promise<number> {
  const { rows: rules } = await q(
    `SELECT r.channel_id, r.params
       FROM alert_rules r JOIN alert_channels c ON c.id = r.channel_id
      WHERE r.kind = $1::"AlertRuleKind" AND r.enabled AND c.enabled
        AND (c.tenant_id IS NULL OR c.tenant_id = $2::uuid)
        AND (r.tenant_id IS NULL OR r.tenant_id = $2::uuid)`,
    [trigger.kind, trigger.tenantId],
  );
  const channels = [...new Set(rules.filter((r) => ruleMatches(trigger.kind, r.params, trigger)).map((r) => String(r.channel_id)))];
  if (!channels.length) return 0;
  const payload: AlertPayload = { ...trigger, occurredAt: now.toISOString() };
  const { rows } = await q(
    `INSERT INTO alert_events (dedupe_key, channel_id, tenant_id, kind, payload, next_attempt_at, created_at)
     SELECT $1, ch, $2::uuid, $3::"AlertRuleKind", $4::jsonb, $5, $5 FROM unnest($6::uuid[]) AS ch
     ON CONFLICT (channel_id, dedupe_key) DO NOTHING
     RETURNING id`,
    [trigger.dedupeKey, trigger.tenantId, trigger.kind, JSON.stringify(payload), now, channels],
  );
  return rows.length;
}

/** Re-send from the dead letter: back to pending with a fresh attempt budget (lastError kept for the log). Returns false if the event is not dead. */
export async function requeueDeadAlert(q: TxQuery, eventId: string | bigint, now: Date = new Date()): Promise<boolean> {
  const { rows } = await q(
    `UPDATE alert_events SET status = 'pending', attempts = 0, next_attempt_at = $2 WHERE id = $1::bigint AND status = 'dead' RETURNING id`,
    [String(eventId), now],
  );
  return rows.length === 1;
}
