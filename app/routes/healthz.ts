// Liveness: the process is up and serving. Deliberately touches no database, so an orchestrator
// does not restart healthy app instances while PostgreSQL is down (that is what /readyz says).
import { json } from "~/services/api/respond.server.ts";

export const loader = async () => json({ status: "ok" });
