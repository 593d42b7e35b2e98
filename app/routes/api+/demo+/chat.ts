// POST /api/demo/chat — a simulated streaming chat route of "the product", metered by the core.
import { apiRoute } from "~/services/api/handler.server.ts";
import { parseBody } from "~/services/api/request.server.ts";
import { resolveTenant } from "~/services/api/handler.server.ts";
import { demoChat, demoChatBody } from "~/services/demo-product.server.ts";

const route = apiRoute({
  POST: async ({ request, key }) => {
    const body = await parseBody(request, demoChatBody);
    const tenant = await resolveTenant(key, body.tenantId);
    return demoChat(request, { ...body, tenantId: tenant.id });
  },
});
export const action = route;
export const loader = route;
