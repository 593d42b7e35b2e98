// How the analysis's stored results are read: platform-wide as the owner, or for one tenant as
// the row-level-security role limited to that tenant.
import type pg from "pg";

/**
 * Runs a read. Scoped to one tenant, it runs as the row-level-security role limited to that
 * tenant (defence in depth, SPEC §9): even a wrong filter could not return another tenant's rows.
 */
export async function scopedRead(pool: pg.Pool, tenantId: string | undefined, text: string, params: unknown[]) {
  if (!tenantId) return (await pool.query(text, params)).rows;
  const client = await pool.connect();
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SET LOCAL ROLE tollgate_tenant");
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    const { rows } = await client.query(text, params);
    await client.query("COMMIT");
    return rows;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
