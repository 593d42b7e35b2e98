// The API's lookup cache (lookup-cache.server.ts, ADR 0010). First its rules, on a clock and a
// feed state the test moves by hand (the loads are plain functions: what is tested is only
// when the cache asks and what it keeps). Then the fail-open fallback through a real outage:
// the app's database client is pointed at a port where nothing listens (connection refused),
// and a key revoked in this process stays out, though it was never presented in between.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "~/db/client.server.ts";
import { createAppTestDatabase, type TestDatabase } from "~/db/test/test-database.ts";
import { createApiKey, revokeApiKey } from "~/services/api-keys.server.ts";
import type { CacheFeed } from "./cache-listener.server.ts";
import { lookupCache } from "./lookup-cache.server.ts";
import { requireApiKey } from "./request.server.ts";

describe("lookup cache rules", () => {
  const TTL = 5_000;
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
  function setup(failOpen = false) {
    const feed: CacheFeed = { listening: true, epoch: 1, seq: 0 };
    let clock = 1_000_000;
    const cache = lookupCache<{ id: string; v: number }>({ feed, ttlMs: () => TTL, failOpen: () => failOpen, now: () => clock });
    let loads = 0;
    let answer: { id: string; v: number } | null | Error = { id: "k1", v: 1 };
    const load = async () => {
      loads++;
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return {
      feed, cache, load,
      get loads() { return loads; },
      set answer(a: typeof answer) { answer = a; },
      tick: (ms: number) => (clock += ms),
    };
  }

  it("serves from memory while listening, within the TTL, under the same connection; asks again after the TTL", async () => {
    const s = setup();
    expect(await s.cache("k1", s.load)).toEqual({ id: "k1", v: 1 });
    s.answer = { id: "k1", v: 2 };
    s.tick(TTL - 1);
    expect(await s.cache("k1", s.load)).toEqual({ id: "k1", v: 1 });
    expect(s.loads).toBe(1);
    s.tick(1);
    expect(await s.cache("k1", s.load)).toEqual({ id: "k1", v: 2 });
    expect(s.loads).toBe(2);
  });

  it("asks on every lookup while the LISTEN connection is down, and does not trust entries of an earlier connection", async () => {
    const s = setup();
    await s.cache("k1", s.load);
    s.feed.listening = false;
    await s.cache("k1", s.load);
    await s.cache("k1", s.load);
    expect(s.loads).toBe(3);
    // Loaded while down: not fresh after reconnecting either (it may have missed a notification).
    s.feed.listening = true;
    s.feed.epoch = 2;
    expect(s.cache.unconfirmed()).toEqual([{ id: "k1", v: 1 }]);
    await s.cache("k1", s.load);
    expect(s.loads).toBe(4);
    expect(s.cache.unconfirmed()).toEqual([]);
    await s.cache("k1", s.load);
    expect(s.loads).toBe(4);
  });

  it("does not keep an answer loaded while an invalidation arrived (it may predate the change)", async () => {
    const s = setup();
    const racing = async () => {
      s.feed.seq++; // a notification delivered while the row was being read
      return { id: "k1", v: 1 };
    };
    expect(await s.cache("k1", racing)).toEqual({ id: "k1", v: 1 });
    expect(s.cache.size).toBe(0);
    await s.cache("k1", s.load);
    await s.cache("k1", s.load);
    expect(s.loads).toBe(1);
  });

  it("concurrent misses of one id share one load, unless an invalidation arrived since it started", async () => {
    const s = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let loads = 0;
    const slow = async () => {
      const n = ++loads;
      await gate;
      return { id: "k1", v: n };
    };
    const first = [s.cache("k1", slow), s.cache("k1", slow), s.cache("k1", slow)];
    s.feed.seq++; // e.g. the key's revocation is announced while the first load is in flight
    const after = s.cache("k1", slow);
    release();
    expect(await Promise.all(first)).toEqual([{ id: "k1", v: 1 }, { id: "k1", v: 1 }, { id: "k1", v: 1 }]);
    expect(await after).toEqual({ id: "k1", v: 2 });
    expect(loads).toBe(2);
  });

  it("drop removes matching entries; a 'none' answer removes the entry", async () => {
    const s = setup();
    await s.cache("k1", s.load);
    await s.cache("k2", async () => ({ id: "k2", v: 9 }));
    s.cache.drop((v) => v.id === "k1");
    expect(s.cache.size).toBe(1);
    s.feed.listening = false;
    s.answer = null;
    expect(await s.cache("k2", s.load)).toBeNull();
    expect(s.cache.size).toBe(0);
  });

  it("database unreachable: fail-open serves the last answer whatever its age or connection; closed mode, or nothing known, is 503", async () => {
    const open = setup(true);
    await open.cache("k1", open.load);
    open.feed.listening = false;
    open.tick(3_600_000);
    open.answer = refused;
    expect(await open.cache("k1", open.load)).toEqual({ id: "k1", v: 1 });
    await expect(open.cache("k9", open.load)).rejects.toMatchObject({ status: 503, code: "quota_unavailable" });
    open.cache.drop(() => true); // e.g. the key's revocation notification
    await expect(open.cache("k1", open.load)).rejects.toMatchObject({ status: 503, code: "quota_unavailable" });

    const closed = setup(false);
    await closed.cache("k1", closed.load);
    closed.tick(TTL);
    closed.answer = refused;
    await expect(closed.cache("k1", closed.load)).rejects.toMatchObject({ status: 503, code: "quota_unavailable" });
    // Any other failure is not an outage: it propagates.
    closed.answer = new Error("bug");
    await expect(closed.cache("k1", closed.load)).rejects.toThrow("bug");
  });
});

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

const TEST_ACTOR = { id: null, label: "test" };

describe("fail-open key cache", () => {
  it("a key revoked in this process is refused in the next outage, though it was never presented in between", async () => {
    const kept = await createApiKey(TEST_ACTOR, { name: "kept" }, { pool: t.pool });
    const revoked = await createApiKey(TEST_ACTOR, { name: "revoked-here" }, { pool: t.pool });
    expect((await requireApiKey(presenting(kept.key))).id).toBe(kept.apiKey.id);
    expect((await requireApiKey(presenting(revoked.key))).id).toBe(revoked.apiKey.id);

    // The outage is real and the cache serves a verified key through it.
    expect((await duringOutage(() => requireApiKey(presenting(kept.key)))).id).toBe(kept.apiKey.id);

    expect(await revokeApiKey(TEST_ACTOR, revoked.apiKey.id)).toEqual({ revoked: true });
    await expect(duringOutage(() => requireApiKey(presenting(revoked.key)))).rejects.toMatchObject({ status: 503, code: "quota_unavailable" });
    expect((await duringOutage(() => requireApiKey(presenting(kept.key)))).id).toBe(kept.apiKey.id);
  });
});
