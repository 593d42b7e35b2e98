// The delivery log (the alert_events outbox as people read it) and re-sending a dead-lettered
// event. Re-sending only resets the outbox row; the worker delivers it on its next poll, so a
// re-send goes through the same retry, backoff and dead-letter path as any other event (and the
// outbound policy is applied again at that send). The last error is shown per role: staff read
// the detail (`last_error`: the receiver's answer or the error text), everyone else only the
// outcome (`last_outcome`: "timed out", "not sent: address not allowed", …).
import { z } from "zod";
import { TollgateError } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import type { AlertKind } from "~/schemas/alerts.ts";
import { bigintId, encodePageCursor, type PageRequest } from "~/schemas/page-cursor.ts";
import { descendingKeyset, readKeysetPage, type KeysetPage } from "../keyset-page.ts";
import { auditedChange, type Actor } from "../audit.server.ts";
import { assertVisible, scopeFilter, type AlertScope } from "./scope.page.server.ts";

export const EVENT_STATUSES = ["pending", "delivered", "dead"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export interface DeliveryFilter {
  status?: EventStatus;
  channelId?: string;
  kind?: AlertKind;
}

export interface DeliveryRow {
  id: string;
  channelId: string;
  channelName: string;
  channelType: string;
  tenantSlug: string | null;
  tenantName: string | null;
  kind: AlertKind;
  status: EventStatus;
  summary: string;
  attempts: number;
  nextAttemptAt: string | null;
  /** The detail for staff, the generic outcome for tenant admins (see listDeliveries). */
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** Events per page of the log (newest first, keyset-paged: older pages cost the same). */
export const DELIVERY_PAGE_SIZE = 50;

/** A position in the log: the event's creation time and id (the tie-breaker). */
export interface DeliveryCursor {
  t: string;
  i: string;
}
export const deliveryCursor = z.object({ t: z.iso.datetime(), i: bigintId });

const KEYS = [
  { column: "e.created_at", cast: "timestamptz" },
  { column: "e.id", cast: "bigint" },
] as const;

const iso = (v: Date | null) => (v ? new Date(v).toISOString() : null);

export async function listDeliveries(
  scope: AlertScope,
  f: DeliveryFilter = {},
  request: PageRequest<DeliveryCursor> = {},
  pageSize = DELIVERY_PAGE_SIZE,
  /** Whether the viewer is staff (by role, also on a tenant's pages): only then the detail. */
  detail = scope.kind === "staff",
): Promise<KeysetPage<DeliveryRow>> {
  const read = async (cursor: DeliveryCursor | undefined, reverse: boolean, limit: number) => {
    const vis = scopeFilter(scope, "c.tenant_id", 1);
    const params: unknown[] = [vis.param, f.status ?? null, f.channelId ?? null, f.kind ?? null];
    const keyset = descendingKeyset(KEYS, cursor && [cursor.t, cursor.i], reverse, params);
    params.push(limit);
    const { rows } = await dbPool().query(
      `SELECT e.id::text, e.channel_id, c.name AS channel_name, c.type AS channel_type, t.slug AS tenant_slug, t.name AS tenant_name,
              e.kind, e.status, e.payload->>'summary' AS summary, e.attempts, e.next_attempt_at, e.last_error, e.last_outcome, e.delivered_at, e.created_at
         FROM alert_events e JOIN alert_channels c ON c.id = e.channel_id LEFT JOIN tenants t ON t.id = e.tenant_id
        WHERE ${vis.sql} AND ($2::"AlertEventStatus" IS NULL OR e.status = $2)
          AND ($3::uuid IS NULL OR e.channel_id = $3) AND ($4::"AlertRuleKind" IS NULL OR e.kind = $4) AND ${keyset.condition}
        ORDER BY ${keyset.orderBy} LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => deliveryRow(r, detail));
  };
  return readKeysetPage(read, request, pageSize, (d) => encodePageCursor({ t: d.createdAt, i: d.id } satisfies DeliveryCursor));
}

// Rows failed before last_outcome existed have only the detail: a tenant reads "delivery failed".
const publicError = (r: any): string | null => r.last_outcome ?? (r.last_error ? "delivery failed" : null);

function deliveryRow(r: any, detail: boolean): DeliveryRow {
  return {
    id: r.id,
    channelId: r.channel_id,
    channelName: r.channel_name,
    channelType: r.channel_type,
    tenantSlug: r.tenant_slug,
    tenantName: r.tenant_name,
    kind: r.kind,
    status: r.status,
    summary: r.summary ?? "",
    attempts: r.attempts,
    // A delivered or dead event is never attempted again: no "next attempt" to show.
    nextAttemptAt: r.status === "pending" ? iso(r.next_attempt_at) : null,
    lastError: detail ? r.last_error : publicError(r),
    deliveredAt: iso(r.delivered_at),
    createdAt: iso(r.created_at)!,
  };
}

/** Puts a dead event back in the outbox: pending, attempts 0, due now. Audited. */
export async function resendDeadEvent(actor: Actor, scope: AlertScope, eventId: string): Promise<void> {
  if (!/^\d{1,18}$/.test(eventId)) throw new TollgateError("not_found", "No such event.");
  await auditedChange(actor, async (tx) => {
    const { rows } = await tx.query(
      `SELECT e.id::text, e.status, e.attempts, e.last_error, e.channel_id, e.tenant_id, c.tenant_id AS channel_tenant_id
         FROM alert_events e JOIN alert_channels c ON c.id = e.channel_id WHERE e.id = $1 FOR UPDATE OF e`,
      [eventId],
    );
    const ev = rows[0];
    if (!ev) throw new TollgateError("not_found", "No such event.");
    assertVisible(scope, ev.channel_tenant_id);
    if (ev.status !== "dead") throw new TollgateError("conflict", "Only dead-lettered events can be re-sent.");
    await tx.query(`UPDATE alert_events SET status = 'pending', attempts = 0, next_attempt_at = now() WHERE id = $1`, [eventId]);
    // The audit log is staff-only, so it may keep the detail.
    const before = { status: ev.status, attempts: ev.attempts, lastError: ev.last_error };
    return {
      result: undefined,
      audit: [{ action: "alert_event.resend", entityType: "alert_event", entityId: ev.id, tenantId: ev.tenant_id, before, after: { status: "pending", attempts: 0 } }],
    };
  });
}
