// /healthz, /readyz and the public OpenAPI document, served by real app instances: one on a
// live database, one whose database does not exist (nothing listens on its port).
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { freePort } from "../../../scripts/lib/postgres.ts";
import { apiClient } from "~/test/api-fixtures.ts";
import { startAppInstance, type AppInstance } from "~/test/app-instance.ts";
import { schemaErrors } from "~/test/json-schema.ts";
import { openApiDocument } from "./openapi.server.ts";

let t: TestDatabase;
let up: AppInstance;
let down: AppInstance;
const doc = openApiDocument() as any;

beforeAll(async () => {
  t = await createTestDatabase();
  const deadPort = await freePort();
  [up, down] = await Promise.all([
    startAppInstance({ databaseUrl: t.url }),
    startAppInstance({ databaseUrl: `postgresql://postgres:x@127.0.0.1:${deadPort}/gone` }),
  ]);
});
afterAll(async () => {
  await Promise.all([up?.stop(), down?.stop()]);
  await t?.drop();
});

it("/healthz is 200 with or without a database", async () => {
  for (const app of [up, down]) {
    const r = await apiClient(app.url).get("/healthz");
    expect([r.status, r.body]).toEqual([200, { status: "ok" }]);
    expect(schemaErrors(doc.components.schemas.Health, r.body, doc)).toEqual([]);
  }
});

it("/readyz is 200 when the database answers and 503 when it does not", async () => {
  const ready = await apiClient(up.url).get("/readyz");
  expect([ready.status, ready.body]).toEqual([200, { status: "ready", database: "ok", spoolBacklog: 0, spoolDeadLetters: 0, cacheListener: "listening" }]);
  const started = Date.now();
  const notReady = await apiClient(down.url).get("/readyz");
  expect([notReady.status, notReady.body]).toEqual([503, { status: "unavailable", database: "unreachable", spoolBacklog: 0, spoolDeadLetters: 0, cacheListener: "connecting" }]);
  expect(Date.now() - started).toBeLessThan(5000);
  for (const r of [ready, notReady]) expect(schemaErrors(doc.components.schemas.Readiness, r.body, doc)).toEqual([]);
});

it("/api/v1/openapi.json needs no key and is the generated document", async () => {
  const r = await apiClient(down.url).get("/api/v1/openapi.json");
  expect(r.status).toBe(200);
  expect(r.body).toEqual(JSON.parse(JSON.stringify(doc)));
  expect(r.body.openapi).toBe("3.1.0");
  const post = await apiClient(down.url).post("/api/v1/openapi.json", {});
  expect([post.status, post.body.error]).toEqual([405, "method_not_allowed"]);
});
