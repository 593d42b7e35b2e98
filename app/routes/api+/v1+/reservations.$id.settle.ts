import { apiRoute } from "~/services/api/handler.server.ts";
import { settleReservation } from "~/services/api/metering.server.ts";

const route = apiRoute({ POST: settleReservation });
export const action = route;
export const loader = route;
