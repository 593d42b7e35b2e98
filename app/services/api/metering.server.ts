// The metering endpoints of /api/v1: reservations, settle, release, usage, quota status and
// spend. Each validates, checks the key's tenant, calls the core and presents the answer.
import { isUuid, quotaExceededResponse, type ActualUsage, type RecordRequest, type ReserveRequest } from "~/core/index.ts";
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

/**
 * The reservation named in the path. Only the form is checked here: the core refuses another
 * tenant's reservation (`forbidden`, for a tenant-bound key) and an unknown one in the same
 * read or lock that decides — no extra query per settle — and while the database is down the
 * key's tenant travels with the spooled settle, applied only to that tenant's reservation.
 */
function reservationId(ctx: ApiContext) {
  const id = ctx.params.id ?? "";
  if (!isUuid(id)) throw new ApiError(404, "not_found", "No such reservation.");
  return id;
}

export async function settleReservation(ctx: ApiContext) {
  const body = await parseBody(ctx.request, settleBody);
  const r = await tollgate().settle(reservationId(ctx), body as ActualUsage, { tenantId: ctx.key.tenantId });
  return json(settleBodyOf(r));
}

export async function releaseReservation(ctx: ApiContext) {
  const r = await tollgate().release(reservationId(ctx), { tenantId: ctx.key.tenantId });
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
