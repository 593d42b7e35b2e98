// Tenant-bound keys may read their own tenant only (resolveTenant answers 403 otherwise).
import { apiRoute } from "~/services/api/handler.server.ts";
import { spend } from "~/services/api/spend.server.ts";

const route = apiRoute({ GET: spend });
export const action = route;
export const loader = route;
