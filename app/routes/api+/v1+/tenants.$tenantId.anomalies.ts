// Tenant-bound keys may read their own tenant only (resolveTenant answers 403 otherwise).
import { apiRoute } from "~/services/api/handler.server.ts";
import { tenantAnomalies } from "~/services/api/analysis.server.ts";

const route = apiRoute({ GET: tenantAnomalies });
export const action = route;
export const loader = route;
