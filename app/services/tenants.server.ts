// Every tenant by name: the choices of the panel's tenant pickers and filters (quotas, alerts,
// the analysis pages, sandbox errors, the audit log, the records explorer). Filters put the
// slug in the URL; forms that store a tenant use its id.
import type pg from "pg";
import { dbPool, readPool } from "~/db/client.server.ts";

export interface TenantOption {
  id: string;
  slug: string;
  name: string;
}

export async function tenantOptions(pool: pg.Pool = dbPool()): Promise<TenantOption[]> {
  const { rows } = await pool.query<TenantOption>(`SELECT id, slug, name FROM tenants ORDER BY name, slug`);
  return rows;
}

/**
 * The same list for a page that reads everything else from the read replica (ADR 0013): a tenant
 * created a moment ago may be missing from the picker until the replica has replayed it.
 */
export function tenantOptionsMayBeStale(): Promise<TenantOption[]> {
  return tenantOptions(readPool());
}
