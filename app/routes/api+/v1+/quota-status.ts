import { apiRoute } from "~/services/api/handler.server.ts";
import { quotaStatus } from "~/services/api/metering.server.ts";

const route = apiRoute({ GET: quotaStatus });
export const action = route;
export const loader = route;
