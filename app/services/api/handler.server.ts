// Wraps every /api/v1 route: method check, API key, tenant access, and the one error mapper.
import type { AuthenticatedApiKey } from "~/services/api-keys.server.ts";
import { isUuid } from "~/core/index.ts";
import { z } from "zod";
import { db } from "~/db/client.server.ts";
import { safeText } from "~/schemas/text.ts";
import type { Tenant } from "~/generated/prisma/client.ts";
import { lastKnown } from "./last-known.server.ts";
import { ApiError, errorResponse } from "./respond.server.ts";
import { parseWith, requireApiKey, requirePlatformKey } from "./request.server.ts";

export interface ApiContext {
  request: Request;
  params: Record<string, string | undefined>;
  key: AuthenticatedApiKey;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

const pathParams = z.record(z.string(), safeText().optional());

/**
 * One handler per method. `platform: true` makes the route platform-key only (403 for
 * tenant-bound keys), as the administration endpoints are.
 */
export function apiRoute(handlers: Partial<Record<Method, (ctx: ApiContext) => Promise<Response>>>, opts: { platform?: boolean } = {}) {
  return async ({ request, params }: { request: Request; params: Record<string, string | undefined> }) => {
    try {
      const handler = handlers[request.method.toUpperCase() as Method];
      if (!handler) {
        throw new ApiError(405, "method_not_allowed", `Use ${Object.keys(handlers).join(" or ")} for this endpoint.`);
      }
      const key = await requireApiKey(request);
      if (opts.platform) requirePlatformKey(key);
      // Path segments ({tenantId}, {id}) follow the same character rule as bodies.
      parseWith(pathParams, params);
      return await handler({ request, params, key });
    } catch (e) {
      return errorResponse(e);
    }
  };
}


/**
 * The tenant a request acts for, by id or slug. Unknown → 404; a tenant-bound key acting for
 * another tenant → 403 (the key's own tenant is no secret to its holder).
 */
const knownTenants = lastKnown<Tenant | null>();

export async function resolveTenant(key: AuthenticatedApiKey, idOrSlug: string) {
  const tenant = await knownTenants(idOrSlug, () =>
    db().tenant.findFirst({ where: isUuid(idOrSlug) ? { id: idOrSlug } : { slug: idOrSlug } }),
  );
  if (key.tenantId && tenant?.id !== key.tenantId) {
    throw new ApiError(403, "forbidden", "This API key belongs to another tenant.");
  }
  if (!tenant) throw new ApiError(404, "not_found", `No tenant "${idOrSlug}".`);
  return tenant;
}
