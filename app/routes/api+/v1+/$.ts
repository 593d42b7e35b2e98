// Unknown /api/v1 paths answer in JSON, not with the control panel's HTML 404 page.
import { errorResponse, ApiError } from "~/services/api/respond.server.ts";

const notFound = async () => errorResponse(new ApiError(404, "not_found", "No such API endpoint. See /api/v1/openapi.json."));
export const loader = notFound;
export const action = notFound;
