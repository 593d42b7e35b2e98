// The API's one in-process cache of what it looks up on every request (API keys by hash,
// tenants by id or slug), serving two purposes with one set of entries (ADR 0010):
//
// 1. Speed. An entry is served without asking the database ("fresh") only while ALL hold:
//    the LISTEN connection is up and the entry was loaded under that same connection (so no
//    invalidation can have been missed); no invalidation arrived while it was being loaded (the
//    load may have read the row just before the change committed); it is younger than
//    API_AUTH_CACHE_SECONDS (a bound should a notification ever be lost). Otherwise the database
//    is asked. While the LISTEN connection is down the cache is bypassed: every request asks.
// 2. Fail-open (formerly last-known.server.ts). While the database is unreachable and
//    QUOTA_FAIL_MODE=open, the last answer for the key/tenant is served whatever its age, so the
//    product keeps working. A "none" answer (revoked, deleted, suspended) and every
//    invalidation DROP the entry: kept, a revoked key came back in the next outage. Entries that
//    may have missed a notification (loaded under an earlier or no LISTEN connection) are checked
//    against the database once the connection is back (`unconfirmed`, identity.server.ts).
import { isDatabaseUnavailable } from "~/db/availability.ts";
import type { CacheFeed } from "./cache-listener.server.ts";
import { ApiError } from "./respond.server.ts";

interface Entry<T> {
  value: T;
  loadedAt: number;
  /** The LISTEN connection it was loaded under; null = none was up. */
  epoch: number | null;
}

export interface LookupCacheOptions {
  feed: CacheFeed;
  /** Milliseconds an entry may be served without asking (read per lookup). */
  ttlMs: () => number;
  failOpen: () => boolean;
  maxEntries?: number;
  now?: () => number;
}

export interface LookupCache<T> {
  /** The value for `id`: fresh from memory, else loaded (null = no such thing). */
  (id: string, load: () => Promise<T | null>): Promise<T | null>;
  /** Drops every entry whose value matches (an invalidation, a revocation in this process). */
  drop(matches: (value: T) => boolean): void;
  /** Values loaded under an earlier or no LISTEN connection: they may have missed a notification. */
  unconfirmed(): T[];
  readonly size: number;
}

export const unavailable = () => new ApiError(503, "quota_unavailable", "The quota store is unavailable; try again shortly.");

export function lookupCache<T>(opts: LookupCacheOptions): LookupCache<T> {
  const { feed } = opts;
  const max = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry<T>>();
  /** Loads in flight: concurrent misses of one id share one query (c=64 used to send 64). */
  const inflight = new Map<string, { seq: number; answer: Promise<T | null> }>();

  function lookup(id: string, load: () => Promise<T | null>): Promise<T | null> {
    const startedAt = now();
    const e = entries.get(id);
    if (e && feed.listening && e.epoch === feed.epoch && startedAt - e.loadedAt < opts.ttlMs()) return Promise.resolve(e.value);
    // Joined only if no invalidation arrived since it started: a request that comes after a
    // revocation's notification must not take an answer read before it.
    const pending = inflight.get(id);
    if (pending && pending.seq === feed.seq) return pending.answer;
    const answer = loadAndKeep(id, load, startedAt).finally(() => {
      if (inflight.get(id)?.answer === answer) inflight.delete(id);
    });
    inflight.set(id, { seq: feed.seq, answer });
    return answer;
  }

  async function loadAndKeep(id: string, load: () => Promise<T | null>, startedAt: number): Promise<T | null> {
    const seq = feed.seq;
    const epoch = feed.listening ? feed.epoch : null;
    let value: T | null;
    try {
      value = await load();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      // Looked up again: an invalidation may have dropped it while the load was failing.
      const known = opts.failOpen() ? entries.get(id) : undefined;
      if (known) return known.value;
      throw unavailable();
    }
    if (value == null) {
      entries.delete(id);
      return null;
    }
    // Not stored when an invalidation arrived meanwhile, or the connection changed: the answer
    // may predate a change whose notification has already been applied (or lost).
    if (feed.seq === seq && (feed.listening ? feed.epoch : null) === epoch) {
      entries.delete(id); // re-inserted last: eviction takes the longest-unloaded first
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(id, { value, loadedAt: startedAt, epoch });
    }
    return value;
  }

  const cache = Object.assign(lookup, {
    drop(matches: (value: T) => boolean) {
      for (const [id, e] of entries) if (matches(e.value)) entries.delete(id);
    },
    unconfirmed() {
      return [...entries.values()].filter((e) => e.epoch !== feed.epoch).map((e) => e.value);
    },
  });
  // A getter (Object.assign would copy the size at creation).
  return Object.defineProperty(cache, "size", { get: () => entries.size }) as LookupCache<T>;
}
