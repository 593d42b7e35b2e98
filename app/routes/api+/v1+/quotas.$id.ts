import { apiRoute } from "~/services/api/handler.server.ts";
import { deleteQuotaRoute, getQuotaRoute, updateQuotaRoute } from "~/services/api/admin.server.ts";

const route = apiRoute({ GET: getQuotaRoute, PATCH: updateQuotaRoute, DELETE: deleteQuotaRoute }, { platform: true });
export const action = route;
export const loader = route;
