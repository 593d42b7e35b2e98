// The document itself, liveness and readiness: public, no key.
import { z } from "zod";
import type { Endpoint } from "./shapes.ts";

export const META = "Meta";

const Health = z.strictObject({ status: z.literal("ok") });
const Readiness = z.strictObject({
  status: z.enum(["ready", "unavailable"]),
  database: z.enum(["ok", "unreachable"]),
  spoolBacklog: z.number().int().describe("Fail-open costs waiting to be replayed (this instance); does not affect readiness"),
  spoolDeadLetters: z.number().int().describe("Fail-open entries replay could not apply, kept with their reason (spool directory); does not affect readiness"),
  cacheListener: z
    .enum(["listening", "connecting"])
    .describe("This instance's LISTEN connection for API key and tenant changes; while connecting, keys are read from the database on every request; does not affect readiness"),
});

export const metaResponses = { Health, Readiness };

export const metaEndpoints: Endpoint<keyof typeof metaResponses>[] = [
  { method: "get", path: "/api/v1/openapi.json", tag: META, auth: "public", summary: "This document", ok: [[200, null, "OpenAPI 3.1 document"]] },
  { method: "get", path: "/healthz", tag: META, auth: "public", summary: "Liveness (no database)", ok: [[200, "Health", "The process is up"]] },
  {
    method: "get", path: "/readyz", tag: META, auth: "public", summary: "Readiness: the database answers within 2 s",
    ok: [[200, "Readiness", "Ready"], [503, "Readiness", "The database does not answer"]],
  },
];
