// Denials made visible (ADR 0014): what a counted denial writes besides its usage row's counts
// (those travel in the usage deltas, leases.ts): the key that stops a retry from counting again
// and the per tenant × day × quota × end user figures of the panel (statements.ts WRITE_DENIALS).
import { toDb, type Money } from "./money.ts";

export interface Denial {
  tenantId: string;
  /** The end user of the request (null: none). */
  userId: string | null;
  /** The binding quota (QuotaDenial.quotaId) and its usage row, which counted it. */
  quotaId: string;
  usageId: string;
  idempotencyKey: string;
  /** The estimate the request asked for and was refused. */
  estimate: Money;
}

/** Whose keys: reservations' and one-shot records' keys are separate namespaces. */
export type DenialKind = "reserve" | "record";

/** Key of a counted denial in denied_keys (and BATCH_SEEN's `denied_usage` rows). */
export const deniedKey = (tenantId: string, key: string, usageId: string) => `${tenantId}:${usageId}:${key}`;

/** The parameters of WRITE_DENIALS. */
export function denialValues(denials: Denial[], kind: DenialKind, at: Date): Record<string, unknown> {
  return {
    denied_tenant: denials.map((d) => d.tenantId),
    denied_user: denials.map((d) => d.userId),
    denied_quota: denials.map((d) => d.quotaId),
    denied_usage: denials.map((d) => d.usageId),
    denied_key: denials.map((d) => d.idempotencyKey),
    denied_estimate: denials.map((d) => toDb(d.estimate)),
    denied_kind: kind,
    denied_at: at,
  };
}
