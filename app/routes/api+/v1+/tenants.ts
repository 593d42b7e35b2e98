import { apiRoute } from "~/services/api/handler.server.ts";
import { createTenant, listTenants } from "~/services/api/admin.server.ts";

const route = apiRoute({ GET: listTenants, POST: createTenant }, { platform: true });
export const action = route;
export const loader = route;
