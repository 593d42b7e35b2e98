// POST /api/demo/sandbox — a simulated sandbox run of "the product", metered by the core.
import { apiRoute, resolveTenant } from "~/services/api/handler.server.ts";
import { parseBody } from "~/services/api/request.server.ts";
import { demoSandbox, demoSandboxBody } from "~/services/demo-product.server.ts";

const route = apiRoute({
  POST: async ({ request, key }) => {
    const body = await parseBody(request, demoSandboxBody);
    const tenant = await resolveTenant(key, body.tenantId);
    return demoSandbox(request, { ...body, tenantId: tenant.id });
  },
});
export const action = route;
export const loader = route;
