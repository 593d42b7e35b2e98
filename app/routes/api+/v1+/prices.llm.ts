import { apiRoute } from "~/services/api/handler.server.ts";
import { createLlmPriceRoute, listLlmPricesRoute } from "~/services/api/admin.server.ts";

const route = apiRoute({ GET: listLlmPricesRoute, POST: createLlmPriceRoute }, { platform: true });
export const action = route;
export const loader = route;
