// How the analysis's stored results are read: platform-wide as the owner, or for one tenant as
// the row-level-security role limited to that tenant.
import type pg from "pg";
import { withTenantScope } from "~/db/transaction.server.ts";

/**
 * Runs a read. Scoped to one tenant, it runs as the row-level-security role limited to that
 * tenant (defence in depth, SPEC §9): even a wrong filter could not return another tenant's rows.
 */
export async function scopedRead(pool: pg.Pool, tenantId: string | undefined, text: string, params: unknown[]) {
  if (!tenantId) return (await pool.query(text, params)).rows;
  return withTenantScope(tenantId, async (tx) => (await tx.query(text, params)).rows, { pool });
}
