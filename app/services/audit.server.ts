// The audit log of administrative changes (SPEC §9). A change and its audit rows commit in ONE
// transaction: `auditedChange` runs the change and writes what it reports, so no code path can
// change a quota or price without leaving a record, and no record describes a rolled-back change.
import type pg from "pg";
import { TollgateError } from "~/core/index.ts";
import { withTransaction, type Tx } from "~/db/transaction.server.ts";

/** Who made a change: an API key (`api-key:<name>`, its id), a signed-in user (`user:<email>`) or a CLI (`cli:<command>`, no id). */
export interface Actor {
  id: string | null;
  label: string;
}

/** A signed-in user as the audit log names them. */
export function actorFor(user: { id: string; email: string }): Actor {
  return { id: user.id, label: `user:${user.email}` };
}

export interface AuditEntry {
  action: string; // e.g. quota.update
  entityType: string; // e.g. quota
  entityId: string | null;
  tenantId: string | null;
  before: unknown;
  after: unknown;
}

export type { Tx };

export async function writeAudit(tx: Tx, actor: Actor, e: AuditEntry) {
  await tx.query(
    `INSERT INTO audit_log (actor_id, actor_label, action, entity_type, entity_id, tenant_id, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
    [actor.id, actor.label, e.action, e.entityType, e.entityId, e.tenantId, jsonOrNull(e.before), jsonOrNull(e.after)],
  );
}

const jsonOrNull = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * Runs `change` in a transaction, writes the audit entries it returns, and commits both.
 * Constraint violations become typed errors (409/400) instead of driver messages.
 */
export async function auditedChange<T>(
  actor: Actor,
  change: (tx: Tx) => Promise<{ result: T; audit: AuditEntry[] }>,
  opts: { conflict?: string; pool?: pg.Pool } = {},
): Promise<T> {
  try {
    return await withTransaction(async (tx) => {
      const { result, audit } = await change(tx);
      for (const e of audit) await writeAudit(tx, actor, e);
      return result;
    }, { pool: opts.pool });
  } catch (e) {
    throw constraintError(e, opts.conflict);
  }
}

/**
 * SQLSTATEs a well-formed admin request can still hit, as typed errors: a duplicate (23505) or
 * an overlapping price (23P01) is a conflict with existing data; a CHECK rule the migrations
 * enforce (23514) is bad input that slipped past the schema. Anything else stays a 500.
 */
function constraintError(e: unknown, conflict = "That conflicts with existing data."): unknown {
  const err = e as { code?: string; constraint?: string };
  if (err?.code === "23505" || err?.code === "23P01") return new TollgateError("conflict", conflict);
  if (err?.code === "23514") {
    return new TollgateError("invalid_request", "The change breaks a validation rule.", [{ path: err.constraint ?? "(body)", message: "check failed" }]);
  }
  return e;
}
