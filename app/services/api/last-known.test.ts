// The fail-open cache of verified API keys, in this process: a key revoked here leaves the
// cache at once, even when no request presents it before the next outage. The outage is real:
// the app's database client is pointed at a port where nothing listens (connection refused).
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "~/db/client.server.ts";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createApiKey } from "~/services/api-keys.server.ts";
import { revokeApiKeyAudited } from "~/services/api-key-admin.server.ts";
import { requireApiKey } from "./request.server.ts";

let t: TestDatabase;
let deadUrl: string;
let liveUrl: string;

beforeAll(async () => {
  process.env.QUOTA_FAIL_MODE = "open"; // read once, on first use of the configuration
  t = await createAppTestDatabase();
  liveUrl = t.url;
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  deadUrl = liveUrl.replace(/@[^/]+\//, `@127.0.0.1:${port}/`);
});
afterAll(async () => {
  process.env.DATABASE_URL = liveUrl;
  await t?.drop();
});

/** Runs fn while the app's database is unreachable. */
async function duringOutage<T>(fn: () => Promise<T>): Promise<T> {
  await disconnectDb();
  process.env.DATABASE_URL = deadUrl;
  try {
    return await fn();
  } finally {
    await disconnectDb();
    process.env.DATABASE_URL = liveUrl;
  }
}

const presenting = (key: string) => new Request("http://tollgate.test/api/v1/usage", { headers: { Authorization: `Bearer ${key}` } });

describe("fail-open key cache", () => {
  it("a key revoked in this process is refused in the next outage, though it was never presented in between", async () => {
    const kept = await createApiKey(t.prisma, { name: "kept" });
    const revoked = await createApiKey(t.prisma, { name: "revoked-here" });
    expect((await requireApiKey(presenting(kept.key))).id).toBe(kept.apiKey.id);
    expect((await requireApiKey(presenting(revoked.key))).id).toBe(revoked.apiKey.id);

    // The outage is real and the cache serves a verified key through it.
    expect((await duringOutage(() => requireApiKey(presenting(kept.key)))).id).toBe(kept.apiKey.id);

    expect(await revokeApiKeyAudited({ id: null, label: "test" }, revoked.apiKey.id)).toEqual({ revoked: true });
    await expect(duringOutage(() => requireApiKey(presenting(revoked.key)))).rejects.toMatchObject({ status: 503, code: "quota_unavailable" });
    expect((await duringOutage(() => requireApiKey(presenting(kept.key)))).id).toBe(kept.apiKey.id);
  });
});
