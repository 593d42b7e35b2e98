import { apiRoute } from "~/services/api/handler.server.ts";
import { createReservation } from "~/services/api/metering.server.ts";

const route = apiRoute({ POST: createReservation });
export const action = route;
export const loader = route;
