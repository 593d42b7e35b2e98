// Tenant-bound keys may read their own tenant only (resolveTenant answers 403 otherwise).
import { apiRoute } from "~/services/api/handler.server.ts";
import { tenantForecasts } from "~/services/api/analysis.server.ts";

const route = apiRoute({ GET: tenantForecasts });
export const action = route;
export const loader = route;
