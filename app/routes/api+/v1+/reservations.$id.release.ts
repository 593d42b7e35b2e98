import { apiRoute } from "~/services/api/handler.server.ts";
import { releaseReservation } from "~/services/api/metering.server.ts";

const route = apiRoute({ POST: releaseReservation });
export const action = route;
export const loader = route;
