// Readiness: 200 while the database answers, else 503 so a load balancer stops routing here;
// the spool figures either way (services/readiness.server.ts says why they never make it 503).
// No key needed.
import { json } from "~/services/api/respond.server.ts";
import { readiness } from "~/services/readiness.server.ts";

export const loader = async () => {
  const { ready, ...figures } = await readiness();
  return ready ? json({ status: "ready", database: "ok", ...figures }) : json({ status: "unavailable", database: "unreachable", ...figures }, 503);
};
