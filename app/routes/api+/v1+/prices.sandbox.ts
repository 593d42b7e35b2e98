import { apiRoute } from "~/services/api/handler.server.ts";
import { createSandboxPriceRoute, listSandboxPricesRoute } from "~/services/api/admin.server.ts";

const route = apiRoute({ GET: listSandboxPricesRoute, POST: createSandboxPriceRoute }, { platform: true });
export const action = route;
export const loader = route;
