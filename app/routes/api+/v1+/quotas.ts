import { apiRoute } from "~/services/api/handler.server.ts";
import { createQuotaRoute, listQuotasRoute } from "~/services/api/admin.server.ts";

const route = apiRoute({ GET: listQuotasRoute, POST: createQuotaRoute }, { platform: true });
export const action = route;
export const loader = route;
