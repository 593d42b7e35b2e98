// Runs the analysis now and answers with its summary; platform-wide keys only.
import { apiRoute } from "~/services/api/handler.server.ts";
import { runAnalysisNow } from "~/services/api/analysis.server.ts";

const route = apiRoute({ POST: runAnalysisNow }, { platform: true });
export const action = route;
export const loader = route;
