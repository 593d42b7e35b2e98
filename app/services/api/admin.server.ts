// The administration endpoints of /api/v1 (platform-wide keys only; the routes pass
// `platform: true`). Each handler parses, calls the shared service with the key as the actor
// (audit: `api-key:<name>`), and presents the result.
import {
  createLlmPriceBody,
  createQuotaBody,
  createSandboxPriceBody,
  createTenantBody,
  llmPriceQuery,
  quotaListQuery,
  sandboxPriceQuery,
  tenantListQuery,
  updateQuotaBody,
} from "~/schemas/admin.ts";
import type { AuthenticatedApiKey } from "~/services/api-keys.server.ts";
import { auditedChange, type Actor } from "~/services/audit.server.ts";
import { createLlmPrice, createSandboxPrice, listLlmPrices, listSandboxPrices } from "~/services/pricing.server.ts";
import { createQuota, deleteQuota, getQuota, listQuotas, tenantIdOf, tenantQuotas, updateQuota } from "~/services/quotas.server.ts";
import { dbPool } from "~/db/client.server.ts";
import type { ApiContext } from "./handler.server.ts";
import { parseBody, parseQuery } from "./request.server.ts";
import { json } from "./respond.server.ts";

export const actorOf = (key: AuthenticatedApiKey): Actor => ({ id: key.id, label: `api-key:${key.name}` });

// ---- tenants ------------------------------------------------------------------------------

const TENANT_COLUMNS = `id, slug, name, status, created_at`;
const tenantJson = (r: any) => ({ id: r.id, slug: r.slug, name: r.name, status: r.status, createdAt: new Date(r.created_at).toISOString() });

export async function listTenants({ request }: ApiContext) {
  const q = parseQuery(request, tenantListQuery);
  const { rows } = await dbPool().query(
    `SELECT ${TENANT_COLUMNS} FROM tenants WHERE ($1::"TenantStatus" IS NULL OR status = $1) ORDER BY slug`,
    [q.status ?? null],
  );
  return json({ tenants: rows.map(tenantJson) });
}

/** The insert trigger creates the default quotas in the same transaction; they are returned and audited. */
export async function createTenant({ request, key }: ApiContext) {
  const body = await parseBody(request, createTenantBody);
  const tenant = await auditedChange(
    actorOf(key),
    async (tx) => {
      const { rows } = await tx.query(`INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING ${TENANT_COLUMNS}`, [body.slug, body.name]);
      const created = { ...tenantJson(rows[0]), quotas: await tenantQuotas(tx, rows[0].id) };
      return { result: created, audit: [{ action: "tenant.create", entityType: "tenant", entityId: created.id, tenantId: created.id, before: null, after: created }] };
    },
    { conflict: `A tenant with slug "${body.slug}" already exists.` },
  );
  return json(tenant, 201);
}

export async function getTenant({ params }: ApiContext) {
  const pool = dbPool();
  const id = await tenantIdOf(pool, params.tenantId ?? "", "tenantId");
  const { rows } = await pool.query(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [id]);
  return json({ ...tenantJson(rows[0]), quotas: await tenantQuotas(pool, id) });
}

// ---- quotas -------------------------------------------------------------------------------

export async function listQuotasRoute({ request }: ApiContext) {
  return json({ quotas: await listQuotas(parseQuery(request, quotaListQuery)) });
}

export async function createQuotaRoute({ request, key }: ApiContext) {
  return json(await createQuota(actorOf(key), await parseBody(request, createQuotaBody)), 201);
}

export async function getQuotaRoute({ params }: ApiContext) {
  return json(await getQuota(params.id ?? ""));
}

export async function updateQuotaRoute({ request, params, key }: ApiContext) {
  return json(await updateQuota(actorOf(key), params.id ?? "", await parseBody(request, updateQuotaBody)));
}

export async function deleteQuotaRoute({ params, key }: ApiContext) {
  await deleteQuota(actorOf(key), params.id ?? "");
  return new Response(null, { status: 204 });
}

// ---- prices -------------------------------------------------------------------------------

export async function listLlmPricesRoute({ request }: ApiContext) {
  return json({ prices: await listLlmPrices(parseQuery(request, llmPriceQuery)) });
}

export async function createLlmPriceRoute({ request, key }: ApiContext) {
  return json(await createLlmPrice(actorOf(key), await parseBody(request, createLlmPriceBody)), 201);
}

export async function listSandboxPricesRoute({ request }: ApiContext) {
  return json({ prices: await listSandboxPrices(parseQuery(request, sandboxPriceQuery)) });
}

export async function createSandboxPriceRoute({ request, key }: ApiContext) {
  return json(await createSandboxPrice(actorOf(key), await parseBody(request, createSandboxPriceBody)), 201);
}
