import { apiRoute } from "~/services/api/handler.server.ts";
import { getTenant } from "~/services/api/admin.server.ts";

const route = apiRoute({ GET: getTenant }, { platform: true });
export const action = route;
export const loader = route;
