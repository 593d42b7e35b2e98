import { apiRoute } from "~/services/api/handler.server.ts";
import { recordUsage } from "~/services/api/metering.server.ts";

const route = apiRoute({ POST: recordUsage });
export const action = route;
export const loader = route;
