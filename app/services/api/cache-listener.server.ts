// The one LISTEN connection of a server process (ADR 0010): it receives the `tollgate_cache`
// notifications that the database triggers send when a key or tenant changes (migration
// 20261202060000_api_cache_notify) and hands them to the lookup caches, which drop what they
// concern. A notification sent while this connection is down is lost for good, so the caches
// must know whether it is up: `cacheFeed.listening` and `cacheFeed.epoch` (which connection)
// say so, and `cacheFeed.seq` counts invalidations, so a lookup that ran while one arrived is not
// stored as fresh (it may have read the row just before the change committed).
// A dedicated pg.Client, not a pool connection: LISTEN belongs to one session for its lifetime.
import pg from "pg";
import { poolConfig } from "~/db/pg-adapter.ts";
import { sessionDatabaseUrl } from "~/services/config.server.ts";

export const CACHE_CHANNEL = "tollgate_cache";

export interface CacheFeed {
  /** True while the LISTEN connection is established. */
  listening: boolean;
  /** Which connection: incremented each time LISTEN succeeds. */
  epoch: number;
  /** Incremented on every invalidation (and on losing the connection). */
  seq: number;
}

export const cacheFeed: CacheFeed = { listening: false, epoch: 0, seq: 0 };

export type Invalidation = { kind: "key" | "tenant"; id: string | "*" };

export interface CacheSubscriber {
  invalidate(change: Invalidation): void;
  /** LISTEN is (re-)established: entries loaded before may have missed a notification. */
  connected(): void;
}

const subscribers = new Set<CacheSubscriber>();

export function subscribeToCacheFeed(s: CacheSubscriber) {
  subscribers.add(s);
}

const PAYLOAD = /^(key|tenant):([0-9a-f-]{36}|\*)$/;

/** Applies one notification payload; exported for the cache's unit tests. */
export function deliver(payload: string) {
  cacheFeed.seq++;
  const m = PAYLOAD.exec(payload);
  // Unknown payloads (a later migration's): drop everything rather than guess.
  const changes: Invalidation[] = m
    ? [{ kind: m[1] as Invalidation["kind"], id: m[2] }]
    : [{ kind: "key", id: "*" }, { kind: "tenant", id: "*" }];
  for (const change of changes) for (const s of subscribers) s.invalidate(change);
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

let running: (() => Promise<void>) | undefined;

/**
 * Connects and LISTENs, reconnecting with backoff whenever the connection is lost (restart,
 * pg_terminate_backend, network). Returns a stop function. One per process: a second call
 * returns the running listener's stop.
 */
export function startCacheListener(
  // LISTEN lives as long as its session: behind a transaction pooler, DATABASE_DIRECT_URL.
  url: string = sessionDatabaseUrl(),
  log: (message: string) => void = (m) => console.error(`[tollgate] ${m}`),
): () => Promise<void> {
  if (running) return running;
  if (!url) throw new Error("DATABASE_URL is not set");
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MIN_MS;
  let lostSince: number | null = null;

  const lose = (c: pg.Client, reason: string) => {
    if (client !== c) return; // an older connection's late event
    client = undefined;
    c.removeAllListeners("notification");
    c.end().catch(() => {});
    if (cacheFeed.listening) {
      lostSince = Date.now();
      log(`cache listener lost (${reason}); API keys and tenants are read from the database until it is back`);
    }
    cacheFeed.listening = false;
    cacheFeed.seq++;
    if (!stopped) schedule();
  };

  const schedule = () => {
    timer = setTimeout(connect, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const connect = async () => {
    timer = undefined;
    if (stopped) return;
    const c = new pg.Client({
      ...poolConfig(url),
      application_name: `tollgate-cache-listener`,
      // A half-open connection (a peer that vanished without a FIN) is noticed within ~20 s
      // instead of the OS default of two hours; API_AUTH_CACHE_SECONDS bounds staleness meanwhile.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client = c;
    // Without an 'error' listener a killed connection crashes the process.
    c.on("error", (e) => lose(c, e.message));
    c.on("end", () => lose(c, "connection closed"));
    c.on("notification", (n) => {
      if (n.channel === CACHE_CHANNEL) deliver(n.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CACHE_CHANNEL}`);
    } catch (e) {
      lose(c, (e as Error).message);
      return;
    }
    if (client !== c || stopped) return;
    retryMs = RETRY_MIN_MS;
    cacheFeed.epoch++;
    cacheFeed.listening = true;
    if (lostSince !== null) log(`cache listener back after ${Date.now() - lostSince} ms`);
    lostSince = null;
    for (const s of subscribers) s.connected();
  };

  void connect();
  running = async () => {
    stopped = true;
    running = undefined;
    if (timer) clearTimeout(timer);
    const c = client;
    client = undefined;
    cacheFeed.listening = false;
    cacheFeed.seq++;
    await c?.end().catch(() => {});
  };
  return running;
}
