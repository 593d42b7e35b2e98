// The metering endpoints of /api/v1: reservations, settle, release, usage, quota status and
// spend. Each validates, checks the key's tenant, calls the core and presents the answer.
import { quotaExceededResponse, type ActualUsage, type RecordRequest, type ReserveRequest } from "~/core/index.ts";
import { dbPool } from "~/db/client.server.ts";
import { quotaStatusQuery, reserveBody, settleBody, usageBody } from "~/schemas/api.ts";
import { tollgate } from "~/services/tollgate.server.ts";
import type { ApiContext } from "./handler.server.ts";
import { resolveTenant } from "./handler.server.ts";
import { quotaStatusBody, reservationBody, settleBodyOf, usageBodyOf } from "./presenters.server.ts";
import { parseBody, parseQuery } from "./request.server.ts";
import { ApiError, json } from "./respond.server.ts";

const BACKFILL_MAX_DAYS = 400;

export async function createReservation({ request, key }: ApiContext) {
  const body = await parseBody(request, reserveBody);
  const tenant = await resolveTenant(key, body.tenantId);
  const d = await tollgate().reserve({ ...body, tenantId: tenant.id } as ReserveRequest);
  if (!d.allowed) return quotaExceededResponse(d.denial, body.resource, request.headers.get("accept"));
  return json(reservationBody(d), d.replay ? 200 : 201);
}

/** The reservation's tenant must be the key's (a tenant-bound key cannot touch others'). */
async function authorizeReservation(ctx: ApiContext) {
  const id = ctx.params.id ?? "";
  const { rows } = await dbPool()
    .query(`SELECT tenant_id FROM reservations WHERE id = $1`, [id])
    .catch(() => ({ rows: [] as { tenant_id: string }[] }));
  if (!rows[0]) {
    // Holds made while spooling (fail-open) are not in the database.
    if (/^[0-9a-f-]{36}$/i.test(id)) return id;
    throw new ApiError(404, "not_found", "No such reservation.");
  }
  if (ctx.key.tenantId && rows[0].tenant_id !== ctx.key.tenantId) {
    throw new ApiError(403, "forbidden", "This API key belongs to another tenant.");
  }
  return id;
}

export async function settleReservation(ctx: ApiContext) {
  const body = await parseBody(ctx.request, settleBody);
  const id = await authorizeReservation(ctx);
  // The key's tenant travels with a settle spooled while the database is down (the check
  // above could not run): replay applies it only to that tenant's reservation.
  const r = await tollgate().settle(id, body as ActualUsage, { tenantId: ctx.key.tenantId });
  return json(settleBodyOf(r));
}

export async function releaseReservation(ctx: ApiContext) {
  const id = await authorizeReservation(ctx);
  const r = await tollgate().release(id, { tenantId: ctx.key.tenantId });
  return json({ reservationId: r.reservationId, status: r.status });
}

export async function recordUsage({ request, key }: ApiContext) {
  const body = await parseBody(request, usageBody);
  const tenant = await resolveTenant(key, body.tenantId);
  let occurredAt: Date | undefined;
  if (body.occurredAt) {
    if (key.tenantId) throw new ApiError(403, "forbidden", "Backfill (occurredAt) needs a platform-wide API key.");
    occurredAt = new Date(body.occurredAt);
    const now = Date.now();
    if (occurredAt.getTime() > now) {
      throw new ApiError(400, "invalid_request", "occurredAt is in the future.", [{ path: "occurredAt", message: "must not be in the future" }]);
    }
    if (occurredAt.getTime() < now - BACKFILL_MAX_DAYS * 86_400_000) {
      throw new ApiError(400, "invalid_request", `occurredAt is more than ${BACKFILL_MAX_DAYS} days ago.`, [
        { path: "occurredAt", message: `at most ${BACKFILL_MAX_DAYS} days back` },
      ]);
    }
  }
  const d = await tollgate().record({ ...body, tenantId: tenant.id, occurredAt } as RecordRequest);
  if (!d.allowed) return quotaExceededResponse(d.denial, body.resource, request.headers.get("accept"));
  return json(usageBodyOf(d), d.replay ? 200 : 201);
}

export async function quotaStatus({ request, key }: ApiContext) {
  const q = parseQuery(request, quotaStatusQuery);
  const tenant = await resolveTenant(key, q.tenantId);
  const quotas = await tollgate().quotaStatus({ tenantId: tenant.id, userId: q.userId, resource: q.resource });
  return json({ quotas: quotas.map(quotaStatusBody) });
}
